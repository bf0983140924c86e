// The field page's service worker (scope /lapor): keeps the app shell so the page opens with no
// signal. The server puts VERSION (a digest of the shell files) and SHELL (their URLs) above
// this line, so any change to the shell makes a new worker that fetches the new shell as one
// set. It never touches /api/ or the websocket: reports live in IndexedDB, not in this cache.
/* global VERSION, SHELL */
const CACHE = `posko-lapor-${VERSION}`;
const PAGE = "/lapor";

self.addEventListener("install", (event) => {
  // Default cache mode: the files the page just loaded revalidate (304) instead of downloading
  // twice on a phone's first visit.
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL))
    .then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys
      .filter((key) => key.startsWith("posko-lapor-") && key !== CACHE)
      .map((key) => caches.delete(key))))
    .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== location.origin || url.pathname.startsWith("/api/")) return;
  // The page itself whatever its query (?lang=en), and the shell's files: cache first, as a
  // phone with one bar of signal would otherwise wait for the network to give up.
  const key = request.mode === "navigate" && url.pathname === PAGE ? PAGE
    : SHELL.includes(url.pathname) ? url.pathname : null;
  if (key === null) return;
  event.respondWith(caches.open(CACHE)
    .then((cache) => cache.match(key, { ignoreVary: true }))
    .then((cached) => cached ?? fetch(request)));
});
