import http2, { type Http2SecureServer, type Http2ServerRequest, type Http2ServerResponse, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import { hashKeyNode } from '@cache-digest/shared/node';
import type { CacheDigestCoreOptions } from '../core/cache-digest-core.ts';
import type { StaticSite } from '../static/index.ts';
import { cacheDigestMiddleware, type CacheDigestMiddleware } from './cache-digest-middleware.ts';
import type { NodeRequest, NodeResponse } from './node-types.ts';
import type { LoaderInjector } from './loader-injector.ts';
import { memoryScriptResponse, type MemoryScript } from './memory-script.ts';
import { answerFromTable } from './answer-from-table.ts';
import { writeStaticResponse } from './write-static-response.ts';
import { DEFAULT_SERVER_LIMITS, MIN_OPEN_WINDOW_BYTES, type ServerLimits } from './server-limits.ts';
import { existingBudget } from './connection-budget.ts';
import { isUnsafeEarlyData, TOO_EARLY_RESPONSE, TOO_EARLY_STATUS } from '../core/too-early.ts';

/** Options of {@link createCacheDigestServer}. */
export interface CacheDigestServerOptions extends Omit<CacheDigestCoreOptions, 'hash'> {
  /** The site to serve (pages and assets). */
  site: StaticSite;
  /** TLS certificate and key (PEM). */
  cert: string | Buffer;
  key: string | Buffer;
  /** When set, GET of this path answers the JSON stats (opt-in). */
  statsPath?: string;
  /** Delay before 103 Early Hints, ms (default 5). */
  earlyHintsDelayMs?: number;
  /** Push streams gzip-encoded for clients that accept gzip (default true; docs/push-stream.md, Compression). */
  streamCompression?: boolean;
  /** Scripts served from memory by path (the client's scripts a site lacks); never pages, never pushed. */
  memoryScripts?: ReadonlyMap<string, MemoryScript>;
  /** When set, pages are served through it (the loader's tag added) instead of straight from `site`. */
  loaderInjector?: LoaderInjector;
  /** Stream, idle and header timeouts, concurrent streams (defaults: {@link DEFAULT_SERVER_LIMITS}). */
  limits?: ServerLimits;
  /** TLS session lifetime in seconds: how long a session ticket resumes (Node's default: 300). */
  tlsSessionTimeoutS?: number;
}

/** A server from {@link createCacheDigestServer}, with a graceful `shutdown`. */
export interface CacheDigestServer {
  server: Http2SecureServer;
  middleware: CacheDigestMiddleware;
  /** Stops accepting, closes every HTTP/2 session and HTTP/1.1 connection (forcibly after `graceMs`). */
  shutdown(graceMs?: number): Promise<void>;
  /** What the server holds right now, per-stream state included: for tests and monitoring. */
  live(): LiveState;
}

/** Counts of what a {@link CacheDigestServer} holds open. */
export interface LiveState {
  /** HTTP/2 sessions open. */
  sessions: number;
  /** HTTP/2 streams open (requests, pushes not included). */
  streams: number;
  /** Push-stream responses still writing. */
  pushStreams: number;
  /** Asset bytes the push streams have handed to the transport and not yet seen flushed. */
  bufferedBytes: number;
  /** Streams refused since the start because their client keeps its windows closed ({@link ServerLimits.closedWindowStreams}). */
  refusedStreams: number;
}

/**
 * The node:http2 adapter: an HTTP/2 server over TLS (`allowHTTP1: true`, so
 * HTTP/1.1 clients get the same pages with preload Links but no 103) that
 * serves a {@link StaticSite} with the cache-digest middleware in front.
 */
export function createCacheDigestServer(options: CacheDigestServerOptions): CacheDigestServer {
  const limits = { ...DEFAULT_SERVER_LIMITS, ...options.limits };
  const middleware = cacheDigestMiddleware({ ...options, hash: hashKeyNode, assets: options.site, pushIdleTimeoutMs: limits.streamIdleTimeoutMs });
  const server = http2.createSecureServer({
    cert: options.cert,
    key: options.key,
    allowHTTP1: true,
    handshakeTimeout: limits.headersTimeoutMs,
    ...(options.tlsSessionTimeoutS === undefined ? {} : { sessionTimeout: options.tlsSessionTimeoutS }),
    settings: { maxConcurrentStreams: limits.maxConcurrentStreams },
  });
  const sessions = new Set<ServerHttp2Session>();
  const sockets = new Set<Socket>();
  // Connections whose first request header has not arrived yet, with the timer that closes them.
  const awaitingHeader = new WeakMap<object, NodeJS.Timeout>();
  const headerArrived = (key: object): void => {
    clearTimeout(awaitingHeader.get(key));
    awaitingHeader.delete(key);
  };

  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => {
      sessions.delete(session);
      headerArrived(session);
    });
    session.on('error', () => {});
    session.setTimeout(limits.sessionIdleTimeoutMs, () => {
      session.close();
      // GOAWAY lets open streams finish; a stalled one is reset by its own timeout, so this only bounds the wait.
      setTimeout(() => session.destroy(), limits.streamIdleTimeoutMs).unref();
    });
    awaitingHeader.set(session, setTimeout(() => session.destroy(), limits.headersTimeoutMs).unref());
  });
  // Open streams per session, and all of them: a stream is counted from its headers to its close.
  const openStreams = new WeakMap<object, number>();
  const refusedPerSession = new WeakMap<object, number>();
  let streams = 0;
  let refusedStreams = 0;
  server.on('stream', (stream) => {
    const session = stream.session!;
    headerArrived(session);
    const open = (openStreams.get(session) ?? 0) + 1;
    // A client whose stream windows start closed holds, per stream, whatever the response buffers until it
    // opens them: only a few such streams at a time (RFC 9113 §8.7: REFUSED_STREAM is safe to retry).
    if (open > limits.closedWindowStreams && (session.remoteSettings.initialWindowSize ?? 65_535) < MIN_OPEN_WINDOW_BYTES) {
      refusedStreams++;
      const refused = (refusedPerSession.get(session) ?? 0) + 1;
      refusedPerSession.set(session, refused);
      stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
      // Refused again and again: a client that cannot make progress, whose connection is only a cost.
      if (refused === 4 * limits.closedWindowStreams + 1) {
        session.goaway(http2.constants.NGHTTP2_ENHANCE_YOUR_CALM);
        // After the GOAWAY has gone out: the streams still open go with the session.
        setImmediate(() => session.destroy());
      }
      return;
    }
    openStreams.set(session, open);
    streams++;
    stream.once('close', () => {
      streams--;
      openStreams.set(session, (openStreams.get(session) ?? 1) - 1);
    });
    watchStream(stream);
  });
  server.on('secureConnection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      headerArrived(socket);
    });
    if ((socket as { alpnProtocol?: string | false }).alpnProtocol !== 'h2') {
      // HTTP/1.1: a slow first header and an idle keep-alive connection end the same way.
      awaitingHeader.set(socket, setTimeout(() => socket.destroy(), limits.headersTimeoutMs).unref());
      socket.setTimeout(limits.streamIdleTimeoutMs, () => socket.destroy());
    }
  });
  let closing = false;
  server.on('request', (req: Http2ServerRequest, res: Http2ServerResponse) => {
    // Refused above (or reset meanwhile): nothing to serve.
    if (req.httpVersionMajor !== 1 && (req.stream.closed || req.stream.destroyed)) return;
    if (req.httpVersionMajor === 1) {
      headerArrived(req.socket);
      trackHttp1(req.socket as Socket, res);
    }
    handle(req, res).catch(() => {
      if (!res.headersSent) {
        res.statusCode = 500;
        res.end();
      } else res.destroy();
    });
  });

  // HTTP/2 streams the file table can answer at once skip the compatibility API (see answerFromTable).
  const fromTable = answerFromTable({ site: options.site, core: middleware.core, pagesElsewhere: options.loaderInjector !== undefined });
  const compat = server.listeners('stream').find((listener) => listener.name === 'bound onServerStream');
  if (compat) {
    server.removeListener('stream', compat as (...args: unknown[]) => void);
    server.on('stream', (stream: ServerHttp2Stream, headers: http2.IncomingHttpHeaders, ...rest: unknown[]) => {
      const path = headers[':path'];
      let answered = false;
      if (path !== options.statsPath && !options.memoryScripts?.has(pathOf(path))) {
        try {
          answered = fromTable(stream, headers);
        } catch {
          answered = stream.headersSent;
        }
      }
      if (!answered) compat.call(server, stream, headers, ...rest);
    });
  }

  async function handle(req: NodeRequest, res: NodeResponse): Promise<void> {
    // RFC 8470: a proxy forwarded this from TLS early data, and it is not safe to replay.
    if (isUnsafeEarlyData(req.method, req.headers['early-data'])) {
      res.writeHead(TOO_EARLY_STATUS, TOO_EARLY_RESPONSE.headers);
      res.end(TOO_EARLY_RESPONSE.body);
      return;
    }
    if (options.statsPath !== undefined && req.url === options.statsPath && req.method === 'GET') {
      const body = JSON.stringify(middleware.core.stats.snapshot());
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(body);
      return;
    }
    const method = req.method ?? 'GET';
    const script = method === 'GET' || method === 'HEAD' ? options.memoryScripts?.get(pathOf(req.url)) : undefined;
    if (script) {
      writeStaticResponse(res, memoryScriptResponse(script, { method, headers: req.headers }));
      return;
    }
    const serve = async (): Promise<void> => {
      const response = await (options.loaderInjector ?? options.site).handle({ method, path: req.url ?? '/', headers: req.headers });
      writeStaticResponse(res, response);
    };
    await new Promise<void>((resolve, reject) => middleware(req, res, () => serve().then(resolve, reject)));
  }

  /** Resets a stream (and its pushes, which are watched too) that makes no progress, so its buffers are freed. */
  function watchStream(stream: ServerHttp2Stream): void {
    stream.setTimeout(limits.streamIdleTimeoutMs, () => {
      if (!stream.destroyed) stream.close(http2.constants.NGHTTP2_CANCEL);
    });
  }

  // HTTP/1.1 keep-alive connections: how many responses each has in flight, so shutdown ends idle ones only.
  const inFlight = new WeakMap<Socket, number>();
  function trackHttp1(socket: Socket, res: NodeResponse): void {
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1);
    res.once('close', () => {
      const left = (inFlight.get(socket) ?? 1) - 1;
      inFlight.set(socket, left);
      if (closing && left === 0) socket.end();
    });
  }

  async function shutdown(graceMs = 2000): Promise<void> {
    closing = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // HTTP/2 sessions finish their open streams, then close (GOAWAY).
    for (const session of sessions) session.close();
    for (const socket of sockets) {
      const alpn = (socket as { alpnProtocol?: string | false }).alpnProtocol;
      if (alpn !== 'h2' && !inFlight.get(socket)) socket.end();
    }
    const timer = setTimeout(() => {
      for (const session of sessions) session.destroy();
      for (const socket of sockets) socket.destroy();
    }, graceMs);
    await closed;
    clearTimeout(timer);
  }

  function live(): LiveState {
    let pushStreams = 0;
    let bufferedBytes = 0;
    for (const session of sessions) {
      const budget = existingBudget(session);
      pushStreams += budget?.streams ?? 0;
      bufferedBytes += budget?.held ?? 0;
    }
    return { sessions: sessions.size, streams, pushStreams, bufferedBytes, refusedStreams };
  }

  return { server, middleware, shutdown, live };
}

/** The path of a request target, without query or fragment. */
function pathOf(url: string | undefined): string {
  return (url ?? '/').split(/[?#]/, 1)[0]!;
}
