// The one-tag loader (`<script src="/cache-digest.js" async></script>`):
// registers the worker for the site root; on a page the worker does not
// control yet (the first visit), it tells the worker which same-origin
// resources the page loaded so they are cached at once. Does nothing where
// Service Workers are unavailable. Kept tiny: it is on every page.
import { WARM_MESSAGE, WORKER_PATH } from '../paths.ts';

const container = navigator.serviceWorker;
if (container) {
  const firstVisit = !container.controller;
  container
    .register(WORKER_PATH, { scope: '/' })
    .then(() => container.ready)
    .then((registration) => {
      if (!firstVisit) return;
      const origin = location.origin + '/';
      const urls = performance
        .getEntriesByType('resource')
        .map((entry) => entry.name)
        .filter((url) => url.startsWith(origin));
      registration.active?.postMessage({ type: WARM_MESSAGE, urls });
    })
    .catch(() => {
      // No worker (private mode, insecure origin, blocked): the page works as before.
    });
}
