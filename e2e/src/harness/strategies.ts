/** How a page is delivered in a benchmark or end-to-end run. */
export type StrategyName = 'baseline' | 'hints' | 'stream-all' | 'digest' | 'h2-push';

/**
 * A visit's situation: first visit, repeat visit, and three deploys in a row
 * (three photos; the deepest module of the import graph; a stylesheet and a
 * font referenced only from it).
 */
export type ScenarioName = 'cold' | 'warm' | 'deploy-images' | 'deploy-js' | 'deploy-css';

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
  /** One line for tables. */
  description: string;
}

/** The five strategies compared by `npm run bench:e2e`, in table order. */
export const STRATEGIES: readonly Strategy[] = [
  { name: 'baseline', serverMode: 'off', client: 'chromium', serviceWorker: false, stripDigest: false, description: 'plain HTTP/2, no worker, no hints' },
  { name: 'hints', serverMode: 'hints', client: 'chromium', serviceWorker: false, stripDigest: false, description: '103 Early Hints + preload for every asset, no worker' },
  { name: 'stream-all', serverMode: 'auto', client: 'chromium', serviceWorker: true, stripDigest: true, description: 'worker + push stream without a digest (everything sent)' },
  { name: 'digest', serverMode: 'auto', client: 'chromium', serviceWorker: true, stripDigest: false, description: 'worker + digest + push stream of missing assets only' },
  { name: 'h2-push', serverMode: 'auto', client: 'node-h2', serviceWorker: false, stripDigest: false, description: 'real HTTP/2 push + digest, Node HTTP/2 client' },
];

/** The scenarios, in table (and journey) order. */
export const SCENARIOS: readonly ScenarioName[] = ['cold', 'warm', 'deploy-images', 'deploy-js', 'deploy-css'];

/** Looks a strategy up by name. */
export function strategyNamed(name: string): Strategy {
  const strategy = STRATEGIES.find((candidate) => candidate.name === name);
  if (!strategy) throw new Error(`unknown strategy "${name}" (one of ${STRATEGIES.map((s) => s.name).join(', ')})`);
  return strategy;
}
