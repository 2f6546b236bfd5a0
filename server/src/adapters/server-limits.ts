/**
 * Limits that keep slow, stalled or idle clients from holding a server's
 * memory and connections. Every value is configurable; the defaults suit a
 * public site.
 */
export interface ServerLimits {
  /** SETTINGS_MAX_CONCURRENT_STREAMS announced to each HTTP/2 client (default 100). */
  maxConcurrentStreams?: number;
  /**
   * A stream (request, push, push stream) that makes no progress, nothing
   * read nor written, for this long is reset and its buffers freed
   * (default 30 s). An HTTP/1.1 response that makes no progress for this
   * long ends its connection.
   */
  streamIdleTimeoutMs?: number;
  /**
   * An HTTP/2 connection with no frame in either direction for this long is
   * closed with GOAWAY (default 10 min: above Chromium's reuse window, which
   * keeps idle HTTP/2 connections for at least 7 minutes).
   */
  sessionIdleTimeoutMs?: number;
  /**
   * An HTTP/1.1 keep-alive connection with no request in flight for this
   * long is closed (default 10 min, as HTTP/2 sessions). Above the upstream
   * idle timeouts of the proxies that pool such connections (nginx
   * `keepalive_timeout` 60 s, Go's transport 90 s, Caddy's `reverse_proxy`
   * 2 min, 5 min in examples/edge), so the kit never closes a connection a
   * proxy is about to reuse (the proxy would see a reset, a 502); bounded
   * all the same. Before, such a connection closed after the stream timeout
   * (30 s).
   */
  keepAliveTimeoutMs?: number;
  /**
   * The TLS handshake, and then the first complete request header, must each
   * arrive within this (default 10 s); on a reused HTTP/1.1 connection every
   * request header must (checked every few seconds, so up to a check later).
   */
  headersTimeoutMs?: number;
  /**
   * Concurrent streams served on a connection whose client announced an
   * initial stream window too small for one DATA frame (below 16 KiB: a
   * client that reads nothing until it opens each window): further streams
   * are refused with REFUSED_STREAM, which clients retry (default 4). Every
   * stream such a client holds open keeps its response buffered. A
   * connection that goes on opening streams, more than four times this
   * many refused, is closed (GOAWAY ENHANCE_YOUR_CALM).
   */
  closedWindowStreams?: number;
  /**
   * Streams a connection may hold whose response waits on a client that
   * does not consume it, whatever window it announced (default 8): output
   * queued and none of it flushed for half a second while the connection's
   * socket has nothing left to send (so flow control, not the network,
   * holds it). Streams stalled beyond this many are reset (CANCEL), new
   * ones refused with REFUSED_STREAM while it lasts; the rest are reset by
   * `streamIdleTimeoutMs`. A client that reads, however slowly, is never
   * counted: its socket stays busy or its streams make progress.
   */
  stalledStreams?: number;
  /**
   * SETTINGS_MAX_HEADER_LIST_SIZE announced to HTTP/2 clients, and enforced:
   * a request whose header list (names, values and 32 bytes per field) is
   * larger is reset with ENHANCE_YOUR_CALM, the connection kept (default
   * 16 KiB, Node's bound on HTTP/1.1 request headers). Receiving headers is
   * what a large request costs, whatever they hold.
   */
  maxHeaderListSize?: number;
}

/** An initial stream window below this (one full DATA frame) marks a client whose streams start closed. */
export const MIN_OPEN_WINDOW_BYTES = 16 * 1024;

/** The defaults of {@link ServerLimits}. */
export const DEFAULT_SERVER_LIMITS: Required<ServerLimits> = {
  maxConcurrentStreams: 100,
  streamIdleTimeoutMs: 30_000,
  sessionIdleTimeoutMs: 10 * 60_000,
  keepAliveTimeoutMs: 10 * 60_000,
  headersTimeoutMs: 10_000,
  closedWindowStreams: 4,
  stalledStreams: 8,
  maxHeaderListSize: 16 * 1024,
};
