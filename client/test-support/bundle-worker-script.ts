import { bundleScript } from '../src/vite/bundle-script.ts';

/**
 * Bundles a Service Worker entry (TypeScript, importing npm packages such as
 * workbox-*) into one classic script, in memory, unminified for readable
 * stack traces in tests.
 */
export function bundleWorkerScript(entry: string): Promise<string> {
  return bundleScript(entry, { minify: false, name: 'testWorker' });
}
