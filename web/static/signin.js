// The sign-in page: phone or email and password; on success the server sets the session
// cookie and we go where the visitor was heading (?next=/admin), on this site only.
import { api, problemText, safeNext } from "./api.js";
import { applyText, href } from "./i18n.js";

applyText();
const form = document.getElementById("signin-form");
const error = document.getElementById("error");

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  error.hidden = true;
  const button = form.querySelector("button");
  button.disabled = true;
  const reply = await api("POST", "/api/session", {
    login: document.getElementById("login").value.trim(),
    password: document.getElementById("password").value,
  });
  button.disabled = false;
  if (!reply.ok) {
    error.textContent = problemText(reply);
    error.hidden = false;
    return;
  }
  const next = new URLSearchParams(location.search).get("next");
  location.assign(href(safeNext(next)));
});
