/** How a page is delivered in a benchmark or end-to-end run. */
export type StrategyName = 'baseline' | 'hints' | 'workbox' | 'stream-all' | 'digest' | 'h2-push';

/**
 * A visit's situation: first visit, repeat visit, three deploys in a row
 * (three photos; the deepest module of the import graph; a stylesheet and a
 * font referenced only from it), and think-time: the deepest module changes
 * again and the page takes 200 ms to build.
 */
export type ScenarioName = 'cold' | 'warm' | 'deploy-images' | 'deploy-js' | 'deploy-css' | 'think-time';

/** What a strategy runs: the server's mode and the client. */
export interface Strategy {
  name: StrategyName;
  /** `cache-digest serve --mode`. */
  serverMode: 'off' | 'hints' | 'auto';
  /** Chromium through the emulator, or the Node HTTP/2 client that accepts pushes. */
  client: 'chromium' | 'node-h2';
  /** Chromium runs the site's Service Worker. */
  serviceWorker: boolean;
  /** The server ignores the `cache-digest` header (see ignore-digests.ts): everything is streamed. */
  stripDigest: boolean;
  /** The site's worker is a Workbox precache worker (see workbox-site.ts) instead of the kit's. */
  workbox?: boolean;
  /** One line for tables. */
  description: string;
}

/** The six strategies compared by `npm run bench:e2e`, in table order. */
export const STRATEGIES: readonly Strategy[] = [
  { name: 'baseline', serverMode: 'off', client: 'chromium', serviceWorker: false, stripDigest: false, description: 'plain HTTP/2, no worker, no hints' },
  { name: 'hints', serverMode: 'hints', client: 'chromium', serviceWorker: false, stripDigest: false, description: '103 Early Hints + preload for every asset, no worker' },
  {
    name: 'workbox',
    serverMode: 'off',
    client: 'chromium',
    serviceWorker: true,
    stripDigest: false,
    workbox: true,
    description: 'Workbox worker as generateSW builds it: every asset precached, network-first navigations',
  },
  { name: 'stream-all', serverMode: 'auto', client: 'chromium', serviceWorker: true, stripDigest: true, description: 'worker + push stream without a digest (everything sent)' },
  { name: 'digest', serverMode: 'auto', client: 'chromium', serviceWorker: true, stripDigest: false, description: 'worker + digest + push stream of missing assets only' },
  { name: 'h2-push', serverMode: 'auto', client: 'node-h2', serviceWorker: false, stripDigest: false, description: 'real HTTP/2 push + digest, Node HTTP/2 client' },
];

/** The scenarios, in table (and journey) order. */
export const SCENARIOS: readonly ScenarioName[] = ['cold', 'warm', 'deploy-images', 'deploy-js', 'deploy-css', 'think-time'];

/** How long the think-time scenario's page takes to build, ms. */
export const THINK_TIME_MS = 200;

/** Looks a strategy up by name. */
export function strategyNamed(name: string): Strategy {
  const strategy = STRATEGIES.find((candidate) => candidate.name === name);
  if (!strategy) throw new Error(`unknown strategy "${name}" (one of ${STRATEGIES.map((s) => s.name).join(', ')})`);
  return strategy;
}
