import http2 from 'node:http2';
import tls from 'node:tls';
import zlib from 'node:zlib';
import { encodeDigest, formatCacheDigestHeader } from '@cache-digest/shared';
import { findSubresources } from './find-subresources.ts';

/** One asset held by the {@link H2ClientCache}. */
export interface H2CachedAsset {
  etag: string | undefined;
  size: number;
  contentType: string;
  /** The body as text for HTML, CSS and JavaScript: a cached stylesheet is still parsed for its fonts. */
  text: string | undefined;
}

/** What the Node "browser" keeps between visits: same-origin path -> asset. */
export type H2ClientCache = Map<string, H2CachedAsset>;

/** Options of {@link loadPageOverH2}. */
export interface H2PageLoadOptions {
  /** Where to connect (the round-trip emulator on loopback). */
  connectHost: string;
  connectPort: number;
  /** The origin the page belongs to, e.g. https://localhost:8443 (TLS server name and :authority). */
  origin: string;
  /** The page path, e.g. `/`. */
  path: string;
  /** Assets held from earlier visits; updated with what this load received. */
  cache: H2ClientCache;
  /** Send a `cache-digest` header describing `cache` (default true). */
  sendDigest?: boolean;
  /** Give up after this long (default 30 s). */
  timeoutMs?: number;
}

/** One response body that crossed the network. */
export interface H2Delivery {
  path: string;
  bytes: number;
  via: 'request' | 'push';
  /** The client already held this path before the load (bytes sent twice). */
  redundant: boolean;
}

/** The outcome of {@link loadPageOverH2}. */
export interface H2PageLoad {
  /** From the start (before connecting) to the last subresource's end: the "load event". */
  loadMs: number;
  ttfbMs: number;
  status: number;
  /** The page's `cache-digest-push` summary header. */
  summary: string | undefined;
  /** Requests the client sent (the page included). */
  requests: number;
  /** Pushed responses the server sent. */
  pushes: number;
  deliveries: H2Delivery[];
  /** Every same-origin subresource the page needs (transitively). */
  subresources: string[];
  /** Subresources answered with a status other than 200 (`path status`): the load is incomplete. */
  failed: string[];
}

const CHROMIUM_STREAM_WINDOW = 6 * 1024 * 1024;
const CHROMIUM_CONNECTION_WINDOW = 15 * 1024 * 1024;

interface Body {
  status: number;
  headers: http2.IncomingHttpHeaders;
  bytes: Buffer;
}

/**
 * Load a page over HTTP/2 the way a browser would, but accepting server push
 * (which Chromium refuses): connect, request the page with a cache digest of
 * what it holds, parse the HTML for stylesheets, scripts, module preloads,
 * icons and images, then CSS for @import and url(), and JS for static
 * imports, requesting each subresource that is neither cached nor pushed.
 */
export async function loadPageOverH2(options: H2PageLoadOptions): Promise<H2PageLoad> {
  const start = performance.now();
  const authority = new URL(options.origin);
  const session = http2.connect(options.origin, {
    // Chromium's flow-control windows (6 MiB per stream, 15 MiB per connection); Node's 64 KiB
    // default would cap the transfer at 64 KiB per round trip.
    settings: { initialWindowSize: CHROMIUM_STREAM_WINDOW },
    createConnection: () =>
      tls.connect({
        host: options.connectHost,
        port: options.connectPort,
        servername: authority.hostname,
        ALPNProtocols: ['h2'],
        // The emulator is on loopback; the benchmark measures, it does not authenticate.
        rejectUnauthorized: false,
      }),
  });
  session.on('connect', () => session.setLocalWindowSize(CHROMIUM_CONNECTION_WINDOW));
  const heldBefore = new Set(options.cache.keys());
  const deliveries: H2Delivery[] = [];
  const pushed = new Map<string, Promise<Body>>();
  const failed: string[] = [];
  let requests = 0;
  session.on('error', () => {});
  session.on('stream', (stream, headers) => {
    stream.on('error', () => {}); // a push cut short by the end of the load is not an error of the load
    const path = String(headers[':path'] ?? '');
    // Only same-origin pushes with a single leading slash are accepted.
    if (!path.startsWith('/') || path.startsWith('//') || (headers[':authority'] && headers[':authority'] !== authority.host)) {
      stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
      return;
    }
    pushed.set(
      path,
      readBody(stream).then((body) => {
        deliveries.push({ path, bytes: body.bytes.length, via: 'push', redundant: heldBefore.has(path) });
        return body;
      }),
    );
  });

  const fetchPath = (path: string, headers: http2.OutgoingHttpHeaders = {}): Promise<Body> => {
    requests += 1;
    const stream = session.request({ ':path': path, 'accept-encoding': 'gzip, deflate, br', ...headers });
    return readBody(stream).then((body) => {
      deliveries.push({ path, bytes: body.bytes.length, via: 'request', redundant: heldBefore.has(path) });
      return body;
    });
  };

  const timeout = new Promise<never>((_, reject) => {
    const timer = setTimeout(() => reject(new Error('page load timed out')), options.timeoutMs ?? 30_000);
    timer.unref();
  });

  try {
    return await Promise.race([
      timeout,
      (async (): Promise<H2PageLoad> => {
        const digestHeaders: http2.OutgoingHttpHeaders = {};
        if (options.sendDigest !== false && options.cache.size > 0) {
          const digest = encodeDigest([...options.cache.keys()].map((path) => `${authority.origin}${path}`));
          digestHeaders['cache-digest'] = formatCacheDigestHeader([{ digest, complete: true }]);
        }
        let ttfbMs = 0;
        requests += 1;
        const pageStream = session.request({ ':path': options.path, 'accept-encoding': 'gzip, deflate, br', ...digestHeaders });
        pageStream.once('response', () => (ttfbMs = performance.now() - start));
        const page = await readBody(pageStream);
        const seen = new Set<string>();
        const loads: Promise<void>[] = [];
        const load = (url: string, base: string): void => {
          const resolved = new URL(url, `${authority.origin}${base}`);
          if (resolved.origin !== authority.origin) return;
          const path = resolved.pathname + resolved.search;
          if (seen.has(path)) return;
          seen.add(path);
          loads.push(
            (async () => {
              // A push promised for this path is used instead of a request, like a browser's push cache.
              const promised = pushed.get(path);
              let cached = promised ? undefined : options.cache.get(path);
              if (!cached) {
                const body = await (promised ?? fetchPath(path));
                if (body.status !== 200) {
                  failed.push(`${path} ${body.status}`);
                  return;
                }
                const contentType = headerText(body.headers['content-type']) ?? '';
                cached = {
                  etag: headerText(body.headers.etag),
                  size: body.bytes.length,
                  contentType,
                  text: /html|css|javascript/.test(contentType) ? body.bytes.toString('utf8') : undefined,
                };
                options.cache.set(path, cached);
              }
              if (cached.text !== undefined) for (const next of findSubresources(cached.contentType, cached.text)) load(next, path);
            })(),
          );
        };
        for (const url of findSubresources('text/html', page.bytes.toString('utf8'))) load(url, options.path);
        // Bounded: each path is loaded once, so the loop ends when nothing new is discovered.
        let awaited = 0;
        while (awaited < loads.length) {
          const batch = loads.slice(awaited);
          awaited = loads.length;
          await Promise.all(batch);
        }
        const loadMs = performance.now() - start;
        // Pushes for paths the page never asked for still crossed the network: wait for them to finish.
        await Promise.allSettled(pushed.values());
        return {
          loadMs,
          ttfbMs,
          status: page.status,
          summary: headerText(page.headers['cache-digest-push']),
          requests,
          pushes: pushed.size,
          deliveries,
          subresources: [...seen],
          failed,
        };
      })(),
    ]);
  } finally {
    session.destroy();
  }
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

function readBody(stream: http2.ClientHttp2Stream): Promise<Body> {
  return new Promise((resolve, reject) => {
    let headers: http2.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on('response', (received) => (headers = received));
    // Pushed streams deliver their headers with a 'push' event.
    stream.on('push', (received) => (headers = received));
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('error', reject);
    stream.on('end', () => {
      const raw = Buffer.concat(chunks);
      const encoding = headerText(headers['content-encoding']);
      try {
        const bytes =
          encoding === 'br'
            ? zlib.brotliDecompressSync(raw)
            : encoding === 'gzip'
              ? zlib.gunzipSync(raw)
              : encoding === 'deflate'
                ? zlib.inflateSync(raw)
                : raw;
        resolve({ status: Number(headers[':status'] ?? 0), headers, bytes });
      } catch (error) {
        reject(error);
      }
    });
  });
}
