// The printable action report (GET /api/actions/{id}/report.html, made on the server from the
// same template as its PDF): only its print button needs the browser.
document.getElementById("print")?.addEventListener("click", () => window.print());
