// The one-tag loader (`<script src="/cache-digest.js" async></script>`):
// registers the worker for the site root; on a page the worker does not
// control yet (the first visit), it tells the worker which same-origin
// resources the page loaded so they are cached at once. Does nothing where
// Service Workers are unavailable. Kept tiny: it is on every page.
import { WARM_MESSAGE, WORKER_PATH } from '../paths.ts';

const container = navigator.serviceWorker;
if (container) {
  const firstVisit = !container.controller;
  // Resource timing lists a resource once it has loaded: wait for the page's load event, or
  // a worker that activates quickly would be told only of what had finished by then.
  const loaded = new Promise<void>((resolve) => {
    if (document.readyState === 'complete') resolve();
    else addEventListener('load', () => resolve(), { once: true });
  });
  container
    .register(WORKER_PATH, { scope: '/' })
    .then(() => Promise.all([container.ready, loaded]))
    .then(([registration]) => {
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
