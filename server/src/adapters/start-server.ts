import { existsSync } from 'node:fs';
import { LOADER_PATH } from '@cache-digest/client/scripts';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { buildManifest, loadManifest, type PushManifest } from '../manifest/index.ts';
import { immutablePaths, StaticSite, type StaticSiteOptions } from '../static/index.ts';
import { DEFAULT_TICKET_KEY_ROTATION_MS, ensureDevCertificate, shareTicketKeys, spkiHash } from '../tls/index.ts';
import type { DeliveryStatsSnapshot } from '../core/delivery-stats.ts';
import type { DeliveryMode } from '../core/types.ts';
import type { LogFormat, LogLevel } from '../core/log-line.ts';
import { missingClientScripts } from './client-scripts.ts';
import { createCacheDigestServer } from './create-cache-digest-server.ts';
import { LoaderInjector } from './loader-injector.ts';
import type { MemoryScript } from './memory-script.ts';
import type { ServerLimits } from './server-limits.ts';

/** Options of {@link startServer}. */
export interface StartServerOptions {
  /** The folder to serve. */
  root: string;
  /** Port (default 0: an ephemeral port). */
  port?: number;
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
  /** TLS certificate and key (PEM); without them a development CA and certificate are created once in `certDir`. */
  cert?: string;
  key?: string;
  /** Where the development certificate lives (default `.dev-certs` in the working directory). */
  certDir?: string;
  /** Delivery (default auto). */
  mode?: DeliveryMode;
  /** A manifest or its path; default `push-manifest.json` in `root` when present, else one built from `root`. */
  manifest?: PushManifest | string;
  /** Serve the JSON stats at `/.well-known/cache-digest-stats` (default false). */
  stats?: boolean;
  /** One line per page request; default console.log, `false` for none. */
  log?: ((line: string) => void) | false;
  /** What each page request logs: `none`, `summary` (default: one short line) or `full` (every URL). */
  logLevel?: LogLevel;
  /** `text` (default) or `json` lines. */
  logFormat?: LogFormat;
  /** Cache-Control and compression of the static files. */
  cacheControl?: StaticSiteOptions['cacheControl'];
  /** Globs of URL paths also served `immutable` (`/assets/**`, `*.woff2`), beyond the manifest's `immutable` list or, without one, content-hashed names. */
  immutable?: readonly string[];
  compress?: boolean;
  /** Delay before 103 Early Hints, ms (default 5). */
  earlyHintsDelayMs?: number;
  /** Push streams gzip-encoded for clients that accept gzip (default true; docs/push-stream.md, Compression). */
  streamCompression?: boolean;
  /**
   * Build directories of earlier versions of the site (its old hashed files): besides the site's own root, where
   * a push stream looks for the version of a changed asset the client holds, to send a delta part against it
   * (docs/push-stream.md, Delta parts). Deltas are on whenever bases are found; `deltaParts: false` turns them off.
   */
  previousBuilds?: readonly string[];
  /** Delta parts against versions the client holds (default true; docs/push-stream.md, Delta parts). */
  deltaParts?: boolean;
  /** How long a stream waits for a delta not in memory yet (default 100 ms; docs/push-stream.md, Delta parts). */
  deltaWaitMs?: number;
  /**
   * Serve the client's `/cache-digest.js` and `/cache-digest-sw.js` from
   * memory when `root` lacks them, bundled once at startup (default true).
   */
  clientScripts?: boolean;
  /** Add `<script src="/cache-digest.js" async></script>` before `</head>` of HTML pages lacking it (default false). */
  injectLoader?: boolean;
  /** Stream, idle and header timeouts, concurrent streams (defaults: `DEFAULT_SERVER_LIMITS`). */
  limits?: ServerLimits;
  /** Push mode: digests per request (default, as H2O) or per connection. */
  pushDigestScope?: 'request' | 'connection';
  /** Bound on a request's digest entries (default 1,024). */
  maxDigestEntries?: number;
  /**
   * A file holding the TLS session ticket key, shared by restarts and by every
   * process given the same file; created when absent, rotated when older than
   * `ticketKeyRotateMs`. Without it each process makes its own key at start.
   */
  ticketKeys?: string;
  /** Rotation period of the shared ticket key, ms (default 24 h); also the TLS session lifetime (at most 7 days). */
  ticketKeyRotateMs?: number;
}

/** A running server. */
export interface RunningServer {
  /** `https://host:port/`. */
  url: string;
  port: number;
  /** Base64 SHA-256 of the certificate's SPKI (Chromium's `--ignore-certificate-errors-spki-list`). */
  spki: string;
  /** The development CA to trust, when the development certificate is used. */
  caPath?: string;
  /** The manifest in use. */
  manifest: PushManifest;
  /** Paths of the client's scripts served from memory (those `root` lacks); empty when none. */
  clientScripts: string[];
  /** The delivery counters so far. */
  stats(): DeliveryStatsSnapshot;
  /** Closes every connection and stops listening. */
  close(): Promise<void>;
}

// RFC 8446 §4.6.1: a TLS 1.3 ticket lives at most 7 days.
const MAX_TLS13_TICKET_LIFETIME_S = 7 * 24 * 60 * 60;

/** Path of the opt-in JSON stats. */
export const STATS_PATH = '/.well-known/cache-digest-stats';

/** Starts `cache-digest serve` programmatically: HTTP/2 over TLS with HTTP/1.1 fallback, digest-driven delivery. */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const root = path.resolve(options.root);
  const host = options.host ?? '127.0.0.1';
  let cert = options.cert;
  let key = options.key;
  let caPath: string | undefined;
  if (cert === undefined || key === undefined) {
    const dev = await ensureDevCertificate(options.certDir ?? path.resolve('.dev-certs'));
    cert = dev.cert;
    key = dev.key;
    caPath = dev.caPath;
  }
  const resolved = await resolveManifest(root, options.manifest);
  // The manifest's list of content-hashed files, when it has one, decides what is `immutable`.
  const immutable = immutablePaths({ ...(resolved.immutable ? { listed: resolved.immutable } : {}), ...(options.immutable ? { globs: options.immutable } : {}) });
  const site = new StaticSite({ root, immutable, ...(options.cacheControl ? { cacheControl: options.cacheControl } : {}), ...(options.compress === undefined ? {} : { compress: options.compress }) });
  const memoryScripts: ReadonlyMap<string, MemoryScript> = options.clientScripts === false ? new Map() : await missingClientScripts(site);
  // Scripts served from memory are no file of the site: never an asset to push.
  const manifest = withoutAssets(resolved, memoryScripts);
  const loaderInjector = options.injectLoader
    ? new LoaderInjector(site, { loaderPath: LOADER_PATH, compress: options.compress ?? true })
    : undefined;
  const instance = createCacheDigestServer({
    site,
    cert,
    key,
    pages: manifest.pages,
    ...(manifest.routes ? { routes: manifest.routes } : {}),
    ...(options.mode ? { mode: options.mode } : {}),
    ...(options.log === undefined ? {} : { log: options.log }),
    ...(options.logLevel === undefined ? {} : { logLevel: options.logLevel }),
    ...(options.logFormat === undefined ? {} : { logFormat: options.logFormat }),
    ...(options.stats ? { statsPath: STATS_PATH } : {}),
    ...(options.earlyHintsDelayMs === undefined ? {} : { earlyHintsDelayMs: options.earlyHintsDelayMs }),
    ...(options.streamCompression === undefined ? {} : { streamCompression: options.streamCompression }),
    ...(options.previousBuilds ? { previousBuilds: options.previousBuilds } : {}),
    ...(options.deltaParts === undefined ? {} : { deltaParts: options.deltaParts }),
    ...(options.deltaWaitMs === undefined ? {} : { deltaWaitMs: options.deltaWaitMs }),
    memoryScripts,
    ...(loaderInjector ? { loaderInjector } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.pushDigestScope ? { pushDigestScope: options.pushDigestScope } : {}),
    ...(options.maxDigestEntries === undefined ? {} : { maxDigestEntries: options.maxDigestEntries }),
    // A shared ticket key is worth having only if its tickets outlive Node's 5-minute default.
    ...(options.ticketKeys === undefined ? {} : { tlsSessionTimeoutS: Math.min(Math.floor((options.ticketKeyRotateMs ?? DEFAULT_TICKET_KEY_ROTATION_MS) / 1000), MAX_TLS13_TICKET_LIFETIME_S) }),
  });
  const ticketKeys = options.ticketKeys === undefined
    ? undefined
    : await shareTicketKeys(instance.server, options.ticketKeys, { ...(options.ticketKeyRotateMs === undefined ? {} : { rotateAfterMs: options.ticketKeyRotateMs }) });
  await new Promise<void>((resolve, reject) => {
    instance.server.once('error', reject);
    instance.server.listen(options.port ?? 0, host, () => {
      instance.server.off('error', reject);
      resolve();
    });
  });
  const port = (instance.server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `https://${urlHost}:${port}/`,
    port,
    spki: spkiHash(cert),
    ...(caPath ? { caPath } : {}),
    manifest,
    clientScripts: [...memoryScripts.keys()],
    stats: () => instance.middleware.core.stats.snapshot(),
    close: () => {
      ticketKeys?.stop();
      return instance.shutdown();
    },
  };
}

async function resolveManifest(root: string, manifest: PushManifest | string | undefined): Promise<PushManifest> {
  if (typeof manifest === 'object') return manifest;
  if (typeof manifest === 'string') return loadManifest(manifest);
  const beside = path.join(root, 'push-manifest.json');
  if (existsSync(beside)) return loadManifest(beside);
  return buildManifest(root);
}

function withoutAssets(manifest: PushManifest, paths: ReadonlyMap<string, unknown>): PushManifest {
  if (paths.size === 0) return manifest;
  const without = (map: Record<string, PushManifest['pages'][string]>) =>
    Object.fromEntries(Object.entries(map).map(([page, assets]) => [page, assets.filter((asset) => !paths.has(asset.url))]));
  return { ...manifest, pages: without(manifest.pages), ...(manifest.routes ? { routes: without(manifest.routes) } : {}) };
}
