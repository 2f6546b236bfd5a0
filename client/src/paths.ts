/** Where the one-tag loader is served. */
export const LOADER_PATH = '/cache-digest.js';
/** Where the Service Worker script is served; registered with scope `/`. */
export const WORKER_PATH = '/cache-digest-sw.js';
/** The message the loader sends a newly active worker: `{ type, urls }`, the same-origin resources the page loaded. */
export const WARM_MESSAGE = 'cache-digest:warm';
/**
 * The message a page sends a waiting worker to make it take over, for
 * workers built with `activation: 'on-message'` (sites that ask the user
 * before a new version activates): `{ type }`.
 */
export const SKIP_WAITING_MESSAGE = 'cache-digest:skip-waiting';
