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
  /** Streams refused since the start because their client keeps its windows closed or stalls ({@link ServerLimits.closedWindowStreams}, {@link ServerLimits.stalledStreams}). */
  refusedStreams: number;
  /** Streams reset since the start because their connection stalled more than {@link ServerLimits.stalledStreams}. */
  stalledResets: number;
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
    settings: { maxConcurrentStreams: limits.maxConcurrentStreams, maxHeaderListSize: limits.maxHeaderListSize },
  });
  // HTTP/1.1 (Node's own checks, for the requests after the first on a connection): a request header within
  // headersTimeoutMs, checked every few seconds. Node checks only requests under way, never idle connections.
  const http1 = server as unknown as { headersTimeout: number; requestTimeout: number; connectionsCheckingInterval: number };
  http1.headersTimeout = limits.headersTimeoutMs;
  http1.requestTimeout = Math.max(http1.requestTimeout, limits.headersTimeoutMs);
  http1.connectionsCheckingInterval = Math.min(http1.connectionsCheckingInterval, Math.max(1000, limits.headersTimeoutMs / 2));
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
  // Per session: its open streams (counted from headers to close) and what the stall checks saw of them.
  const perSession = new WeakMap<object, SessionStreams>();
  let streams = 0;
  let refusedStreams = 0;
  let stalledResets = 0;
  server.on('stream', (stream) => {
    const session = stream.session as ServerHttp2Session;
    headerArrived(session);
    let state = perSession.get(session);
    if (!state) {
      state = { open: new Set(), checks: new WeakMap(), sent: 0, stalled: 0, refused: 0, progressed: false, timer: undefined };
      perSession.set(session, state);
      const own = state;
      session.once('close', () => clearInterval(own.timer));
    }
    // A client whose stream windows start closed holds, per stream, whatever the response buffers until it
    // opens them: only a few such streams at a time (RFC 9113 §8.7: REFUSED_STREAM is safe to retry).
    // Whatever its window, a client that consumes nothing gets no new stream while it stalls enough of them.
    const closedWindow = state.open.size >= limits.closedWindowStreams && (session.remoteSettings.initialWindowSize ?? 65_535) < MIN_OPEN_WINDOW_BYTES;
    if (closedWindow || state.stalled >= limits.stalledStreams) {
      refuse(session, state, stream);
      return;
    }
    state.open.add(stream);
    streams++;
    const own = state;
    stream.once('close', () => {
      streams--;
      own.open.delete(stream);
      if (stream.rstCode === http2.constants.NGHTTP2_NO_ERROR) own.progressed = true;
      if (own.open.size < limits.stalledStreams && own.timer) {
        clearInterval(own.timer);
        own.timer = undefined;
        own.stalled = 0;
      }
    });
    // Only a session holding as many streams as the bound can reach it: only those are checked.
    if (state.open.size >= limits.stalledStreams && !state.timer) {
      state.timer = setInterval(() => checkStalls(session, own), STALL_CHECK_MS);
      state.timer.unref();
    }
    watchStream(stream);
  });

  function refuse(session: ServerHttp2Session, state: SessionStreams, stream: ServerHttp2Stream): void {
    refusedStreams++;
    state.refused++;
    // Closing with an error code emits 'error' on the stream; nothing else listens to a refused one.
    stream.on('error', () => {});
    stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
    // Refused again and again: a client that cannot make progress, whose connection is only a cost.
    if (state.refused === 4 * Math.max(limits.closedWindowStreams, limits.stalledStreams) + 1) {
      session.goaway(http2.constants.NGHTTP2_ENHANCE_YOUR_CALM);
      // After the GOAWAY has gone out: the streams still open go with the session.
      setImmediate(() => session.destroy());
    }
  }

  /**
   * Once the session's socket has sent (almost) nothing since the last check while streams hold a response
   * (output queued, or not yet all written: this server's responses come from memory and files, so only the
   * connection's budget makes one wait), the client consumes nothing: those streams count as stalled, and
   * beyond `stalledStreams` the newest of them are reset once stalled for STALL_RESET_CHECKS checks.
   */
  function checkStalls(session: ServerHttp2Session, state: SessionStreams): void {
    const sent = session.socket?.bytesWritten ?? 0;
    // Bytes still waiting in the socket mean the network, not the client's flow control, holds the streams (a
    // pause, a retransmit backoff): no stall is counted then (server-limits.ts). A client that stops reading TCP
    // altogether stays bounded by the connection's byte budget and the stream timeout.
    const moved = state.progressed || sent - state.sent >= MIN_PROGRESS_BYTES || (session.socket?.writableLength ?? 0) > 0;
    state.sent = sent;
    state.progressed = false;
    const still: ServerHttp2Stream[] = [];
    for (const stream of state.open) {
      const holding = stream.bufferSize > 0 || !stream.writableEnded;
      const checks = !moved && holding ? (state.checks.get(stream) ?? 0) + 1 : 0;
      state.checks.set(stream, checks);
      if (checks > 0) still.push(stream);
    }
    state.stalled = still.length;
    for (const stream of still.slice(limits.stalledStreams)) {
      if (state.checks.get(stream)! >= STALL_RESET_CHECKS && !stream.destroyed) {
        stalledResets++;
        stream.close(http2.constants.NGHTTP2_CANCEL);
      }
    }
  }

  server.on('secureConnection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      headerArrived(socket);
    });
    if ((socket as { alpnProtocol?: string | false }).alpnProtocol !== 'h2') {
      // HTTP/1.1: the first header within headersTimeoutMs; then idle between requests up to keepAliveTimeoutMs
      // (a proxy's pooled connection), a response in flight without progress up to streamIdleTimeoutMs.
      awaitingHeader.set(socket, setTimeout(() => socket.destroy(), limits.headersTimeoutMs).unref());
      socket.setTimeout(limits.keepAliveTimeoutMs);
      socket.on('timeout', () => socket.destroy());
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
      // Refused above (closed before any answer): no table lookup, no compatibility request and response.
      if (stream.closed || stream.destroyed) return;
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
    socket.setTimeout(limits.streamIdleTimeoutMs);
    res.once('close', () => {
      const left = (inFlight.get(socket) ?? 1) - 1;
      inFlight.set(socket, left);
      if (left === 0) socket.setTimeout(limits.keepAliveTimeoutMs);
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
    return { sessions: sessions.size, streams, pushStreams, bufferedBytes, refusedStreams, stalledResets };
  }

  return { server, middleware, shutdown, live };
}

// How often a session holding more than `stalledStreams` streams is checked, and after how many checks
// without progress a stream beyond the bound is reset (2 s: a network pause is not a client that stalls).
const STALL_CHECK_MS = 500;
const STALL_RESET_CHECKS = 4;
// Less than this sent in a check's interval is no progress (PING and SETTINGS acknowledgements are smaller).
const MIN_PROGRESS_BYTES = 1024;

/** A session's open streams and what the stall checks saw of them. */
interface SessionStreams {
  open: Set<ServerHttp2Stream>;
  /** For how many checks in a row each stream has held a response while the session sent nothing. */
  checks: WeakMap<ServerHttp2Stream, number>;
  /** The socket's bytes written at the last check. */
  sent: number;
  /** Streams stalled at the last check. */
  stalled: number;
  refused: number;
  /** A stream finished since the last check. */
  progressed: boolean;
  timer: NodeJS.Timeout | undefined;
}

/** The path of a request target, without query or fragment. */
function pathOf(url: string | undefined): string {
  return (url ?? '/').split(/[?#]/, 1)[0]!;
}
