// @cache-digest/client/scripts: the prebuilt loader and Service Worker for
// servers (Node only, no bundler needed).
export { readClientScripts } from './read-client-scripts.ts';
export type { ClientFiles } from './client-files.ts';
export { LOADER_PATH, WORKER_PATH } from '../paths.ts';
