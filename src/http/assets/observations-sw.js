// The observation log's service worker: when the browser gets its signal back (Background Sync), it sends the
// entries that wait in IndexedDB, even if the log's page was closed. It caches nothing: pages may be personal.
'use strict';
importScripts('/assets/observations-queue.js');

self.addEventListener('install', function () {
  self.skipWaiting();
});

self.addEventListener('activate', function (event) {
  event.waitUntil(self.clients.claim());
});

self.addEventListener('sync', function (event) {
  if (event.tag === 'amparo-observations') event.waitUntil(self.AmparoObservationQueue.flush());
});
