// An HTTP/2 proxy for tests that breaks push streams on purpose. It ends TLS
// (development certificate), forwards every request to the upstream server
// over one HTTP/2 session, and, when a fault is armed, rewrites the next
// push-stream response frame by frame: the browser sees exactly what a broken
// network, a broken origin or a dying server would produce.
import http2 from 'node:http2';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { crc32, PUSH_STREAM_CONTENT_TYPE, type PushStreamHead } from '@cache-digest/shared';
import { ensureDevCertificate } from '@cache-digest/server';

/** What to break in the next push stream. */
export type Fault =
  /** Reset the stream after the page part's first DATA frame, before its END. */
  | 'cut-page'
  /** Reset the stream halfway through the target asset's first DATA frame. */
  | 'cut-asset'
  /** Flip a byte of the page part's body (its CRC no longer matches). */
  | 'corrupt-page'
  /** Flip a byte of the target asset's body (its CRC no longer matches). */
  | 'corrupt-asset'
  /** Flip a byte of the target asset's body and fix its END's CRC: only its Content-Digest / ETag tell. */
  | 'forged-asset'
  /** Drop the page part's DATA frames but keep its END. */
  | 'drop-page-data'
  /** Stop forwarding after the page part's first DATA frame, before its END; the connection stays open. */
  | 'stall-page'
  /** After the page part's HEAD, destroy the connection to the browser and to the upstream (a server dying). */
  | 'server-gone'
  /** Turn the page part into the origin's 500 error page (same body). */
  | 'page-500'
  /** The stream gzip-encoded (the browser accepts it): flip a byte halfway through the compressed body. */
  | 'corrupt-gzip'
  /** The stream gzip-encoded: end it cleanly halfway through the compressed body (no FIN, no gzip trailer). */
  | 'cut-gzip';

const GZIP_FAULTS: readonly Fault[] = ['corrupt-gzip', 'cut-gzip'];

/** A running fault proxy. */
export interface FaultProxy {
  /** `https://127.0.0.1:<port>`. */
  origin: string;
  spki: string;
  /** Breaks the next push-stream response (once) as `fault` says, aiming asset faults at `target` (a path). */
  arm(fault: Fault, target: string): void;
  /** True once the armed fault was applied to a stream. */
  readonly applied: boolean;
  /** The part HEADs of every push stream forwarded, as received from the upstream. */
  heads: PushStreamHead[];
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'http2-settings', 'host']);
const MAGIC_BYTES = 5;
const FRAME_HEADER = 7;
const HEAD = 0x01;
const DATA = 0x02;
const END = 0x03;

/** Starts a fault proxy on 127.0.0.1 (ephemeral port) in front of `upstream` (`https://host:port`). */
export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const certificate = await ensureDevCertificate(path.resolve('.dev-certs'));
  let armed: { fault: Fault; target: string } | undefined;
  let applied = false;
  const heads: PushStreamHead[] = [];
  const downstreamSessions = new Set<http2.ServerHttp2Session>();
  let upstreamSession: http2.ClientHttp2Session | undefined;
  const upstreamFor = (): http2.ClientHttp2Session => {
    if (!upstreamSession || upstreamSession.destroyed || upstreamSession.closed) {
      upstreamSession = http2.connect(upstream, { rejectUnauthorized: false });
      upstreamSession.on('error', () => undefined);
    }
    return upstreamSession;
  };

  const server = http2.createSecureServer({ cert: certificate.cert, key: certificate.key });
  server.on('session', (session) => {
    downstreamSessions.add(session);
    session.on('close', () => downstreamSessions.delete(session));
    session.on('error', () => undefined);
  });
  server.on('stream', (stream, requestHeaders) => {
    stream.on('error', () => undefined);
    const forward: http2.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(requestHeaders)) {
      if (name === ':authority' || name === ':scheme' || HOP_BY_HOP.has(name)) continue;
      forward[name] = value;
    }
    // The breaker rewrites stream frames: it asks for identity-encoded responses (push streams are gzip otherwise),
    // except for the gzip faults, which break the compressed bytes themselves.
    if (!(armed && GZIP_FAULTS.includes(armed.fault))) delete forward['accept-encoding'];
    const upstreamStream = upstreamFor().request(forward);
    upstreamStream.on('error', () => {
      if (!stream.destroyed) stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
    });
    stream.pipe(upstreamStream);
    stream.on('close', () => {
      if (!upstreamStream.destroyed) upstreamStream.close(http2.constants.NGHTTP2_CANCEL);
    });
    upstreamStream.on('response', (responseHeaders) => {
      const headers: http2.OutgoingHttpHeaders = {};
      for (const [name, value] of Object.entries(responseHeaders)) {
        if (HOP_BY_HOP.has(name) || (name.startsWith(':') && name !== ':status')) continue;
        headers[name] = value;
      }
      if (stream.destroyed) return;
      stream.respond(headers);
      const isStream = String(responseHeaders['content-type'] ?? '').replace(/\s+/g, '') === PUSH_STREAM_CONTENT_TYPE.replace(/\s+/g, '');
      if (!isStream) {
        upstreamStream.pipe(stream);
        return;
      }
      const fault = armed;
      armed = undefined;
      if (fault && GZIP_FAULTS.includes(fault.fault) && responseHeaders['content-encoding'] === 'gzip') {
        // The whole compressed body, then the fault halfway through it.
        const chunks: Buffer[] = [];
        upstreamStream.on('data', (chunk: Buffer) => chunks.push(chunk));
        upstreamStream.on('end', () => {
          if (stream.destroyed) return;
          const body = Buffer.concat(chunks);
          const half = Math.floor(body.length / 2);
          applied = true;
          if (fault.fault === 'corrupt-gzip') {
            body[half] = body[half]! ^ 0xff;
            stream.end(body);
          } else stream.end(body.subarray(0, half));
        });
        return;
      }
      const breaker = new StreamBreaker(fault, heads, () => (applied = true));
      upstreamStream.on('data', (chunk: Buffer) => {
        if (stream.destroyed) return;
        const { bytes, then } = breaker.push(chunk);
        if (bytes.length > 0) stream.write(bytes);
        if (then === 'cut') stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
        else if (then === 'gone') {
          // Let the bytes already written leave, then drop every connection without a GOAWAY.
          setTimeout(() => {
            for (const session of downstreamSessions) session.destroy();
            upstreamSession?.destroy();
          }, 20);
        }
      });
      upstreamStream.on('end', () => {
        if (!stream.destroyed && !breaker.stopped) stream.end();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `https://127.0.0.1:${port}`,
    spki: certificate.spki,
    heads,
    get applied() {
      return applied;
    },
    arm(fault, target) {
      armed = { fault, target };
      applied = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const session of downstreamSessions) session.destroy();
        upstreamSession?.destroy();
        server.close(() => resolve());
        setTimeout(resolve, 1000).unref();
      }),
  };
}

/** Rewrites one push stream frame by frame according to its fault. */
class StreamBreaker {
  /** True once the breaker stopped forwarding (cut, stalled, gone). */
  stopped = false;
  private pending: Uint8Array = new Uint8Array(0);
  private magicSeen = false;
  private pagePart = -1;
  private targetPart = -1;
  /** CRC-32 of the target asset's body as forwarded (for `forged-asset`). */
  private forgedCrc = 0;
  private done = false;

  constructor(
    private readonly armed: { fault: Fault; target: string } | undefined,
    private readonly heads: PushStreamHead[],
    private readonly onApplied: () => void,
  ) {}

  push(chunk: Uint8Array): { bytes: Uint8Array; then?: 'cut' | 'stall' | 'gone' } {
    if (this.stopped) return { bytes: new Uint8Array(0) };
    this.pending = concat([this.pending, chunk]);
    const out: Uint8Array[] = [];
    if (!this.magicSeen) {
      if (this.pending.length < MAGIC_BYTES) return { bytes: new Uint8Array(0) };
      out.push(this.pending.subarray(0, MAGIC_BYTES));
      this.pending = this.pending.subarray(MAGIC_BYTES);
      this.magicSeen = true;
    }
    while (this.pending.length >= FRAME_HEADER) {
      const view = new DataView(this.pending.buffer, this.pending.byteOffset, this.pending.byteLength);
      const length = view.getUint32(3);
      if (this.pending.length < FRAME_HEADER + length) break;
      const type = view.getUint8(0);
      const part = view.getUint16(1);
      const payload = new Uint8Array(this.pending.subarray(FRAME_HEADER, FRAME_HEADER + length));
      this.pending = this.pending.subarray(FRAME_HEADER + length);
      const result = this.frame(type, part, payload, out);
      if (result) {
        this.stopped = true;
        return { bytes: concat(out), then: result };
      }
    }
    return { bytes: concat(out) };
  }

  /** Appends the frame (as forwarded) to `out`; returns how the stream ends now, if it does. */
  private frame(type: number, part: number, payload: Uint8Array, out: Uint8Array[]): 'cut' | 'stall' | 'gone' | undefined {
    const fault = this.done ? undefined : this.armed?.fault;
    if (type === HEAD) {
      const head = JSON.parse(new TextDecoder().decode(payload)) as PushStreamHead;
      this.heads.push(head);
      if (head.role === 'page') this.pagePart = part;
      if (head.role === 'asset' && head.url === this.armed?.target) this.targetPart = part;
      if (head.role === 'page' && fault === 'page-500') {
        out.push(frame(HEAD, part, new TextEncoder().encode(JSON.stringify({ ...head, status: 500 }))));
        return this.apply();
      }
      out.push(frame(type, part, payload));
      if (head.role === 'page' && fault === 'server-gone') return this.apply('gone');
      return undefined;
    }
    const onPage = part === this.pagePart;
    const onTarget = part === this.targetPart;
    if (type === DATA && onPage && fault !== undefined) {
      if (fault === 'cut-page' || fault === 'stall-page') {
        // The whole DATA frame, not its END: the body is all there, unverified (the case that used to hang a tab).
        out.push(frame(type, part, payload));
        return this.apply(fault === 'cut-page' ? 'cut' : 'stall');
      }
      if (fault === 'corrupt-page') payload[payload.length >> 1] ^= 0x20;
      if (fault === 'drop-page-data') {
        this.apply();
        return undefined;
      }
      if (fault === 'corrupt-page') this.apply();
    }
    if (type === DATA && onTarget && fault !== undefined) {
      if (fault === 'cut-asset') {
        out.push(frame(type, part, payload).subarray(0, FRAME_HEADER + (payload.length >> 1)));
        return this.apply('cut');
      }
      if (fault === 'corrupt-asset' || fault === 'forged-asset') {
        payload[payload.length >> 1] ^= 0x20;
        if (fault === 'corrupt-asset') this.apply();
      }
    }
    if (type === DATA && onTarget && this.armed?.fault === 'forged-asset') this.forgedCrc = crc32(payload, this.forgedCrc);
    if (type === END && onTarget && this.armed?.fault === 'forged-asset' && !this.done) {
      new DataView(payload.buffer, payload.byteOffset).setUint32(4, this.forgedCrc);
      this.apply();
    }
    out.push(frame(type, part, payload));
    return undefined;
  }

  private apply<T extends 'cut' | 'stall' | 'gone' | undefined>(then?: T): T {
    this.done = true;
    this.onApplied();
    return then as T;
  }
}

function frame(type: number, part: number, payload: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(FRAME_HEADER + payload.length);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, type);
  view.setUint16(1, part);
  view.setUint32(3, payload.length);
  bytes.set(payload, FRAME_HEADER);
  return bytes;
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
