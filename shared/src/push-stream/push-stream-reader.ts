import { crc32 } from '../crc32.ts';
import { CacheDigestError } from '../errors.ts';
import {
  FRAME_ABORT,
  FRAME_DATA,
  FRAME_END,
  FRAME_FIN,
  FRAME_HEAD,
  FRAME_HEADER_BYTES,
  MAGIC,
  MAX_FRAME_BYTES,
} from './format.ts';
import { isValidHeader } from './header-syntax.ts';
import { isSameOriginPath } from './is-same-origin-path.ts';
import type { PushStreamEvent, PushStreamHead } from './types.ts';

interface PartState {
  received: number;
  crc: number;
  /** Declared content-length of a 200 part, checked at END. */
  contentLength: number | undefined;
  /** A part whose URL is not a same-origin path: its frames are swallowed. */
  ignored: boolean;
}

type Phase = 'magic' | 'header' | 'payload' | 'finished' | 'failed';

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Incremental push-stream reader (docs/push-stream.md) for Service Workers
 * and tests: feed it the body's chunks as they arrive, split anywhere, and it
 * returns the events each chunk completes. It buffers at most one frame
 * (1 MiB), checks every part's length and CRC-32 at its END, and throws a
 * `BAD_FRAME` CacheDigestError on malformed input (after which it stays
 * failed). A part whose URL is not a same-origin path is reported once as
 * `abort` (without a `head`) and its other frames are dropped. Call
 * {@link close} when the body ends to learn which parts were cut off.
 */
export class PushStreamReader {
  private phase: Phase = 'magic';
  private readonly header = new Uint8Array(Math.max(FRAME_HEADER_BYTES, MAGIC.length));
  private headerFill = 0;
  private frameType = 0;
  private framePart = 0;
  private payload = new Uint8Array(0);
  private payloadFill = 0;
  private readonly partStates = new Map<number, PartState>();
  private readonly seen = new Set<number>();
  private pageSeen = false;

  /** True once a FIN frame arrived: the stream is complete. */
  get finished(): boolean {
    return this.phase === 'finished';
  }

  /** Parts opened and not yet ended or aborted. */
  openParts(): number[] {
    return [...this.partStates.keys()];
  }

  /** Consumes the next chunk of the body and returns the events it completes, in order. */
  push(chunk: Uint8Array): PushStreamEvent[] {
    if (this.phase === 'failed') throw new CacheDigestError('BAD_FRAME', 'push stream reader already failed');
    const events: PushStreamEvent[] = [];
    try {
      let offset = 0;
      while (offset < chunk.length) {
        switch (this.phase) {
          case 'finished':
            throw new CacheDigestError('BAD_FRAME', 'bytes after the FIN frame');
          case 'magic': {
            offset = this.fillHeader(chunk, offset, MAGIC.length);
            if (this.headerFill < MAGIC.length) break;
            for (let i = 0; i < MAGIC.length; i++) {
              if (this.header[i] !== MAGIC[i]) throw new CacheDigestError('BAD_FRAME', 'not a push stream (bad magic or version)');
            }
            this.headerFill = 0;
            this.phase = 'header';
            break;
          }
          case 'header': {
            offset = this.fillHeader(chunk, offset, FRAME_HEADER_BYTES);
            if (this.headerFill < FRAME_HEADER_BYTES) break;
            this.startFrame();
            if (this.payload.length === 0) this.finishFrame(events);
            break;
          }
          case 'payload': {
            const take = Math.min(this.payload.length - this.payloadFill, chunk.length - offset);
            this.payload.set(chunk.subarray(offset, offset + take), this.payloadFill);
            this.payloadFill += take;
            offset += take;
            if (this.payloadFill === this.payload.length) this.finishFrame(events);
            break;
          }
        }
      }
    } catch (error) {
      this.phase = 'failed';
      throw error;
    }
    return events;
  }

  /**
   * Reports the end of the body. Without a FIN (or mid-frame), every part
   * still open is aborted with reason `truncated`; completed parts stay valid.
   */
  close(): PushStreamEvent[] {
    const events: PushStreamEvent[] = [];
    for (const [part, state] of this.partStates) {
      if (!state.ignored) events.push({ type: 'abort', part, reason: 'truncated' });
    }
    this.partStates.clear();
    if (this.phase !== 'finished') this.phase = 'failed';
    return events;
  }

  private fillHeader(chunk: Uint8Array, offset: number, size: number): number {
    const take = Math.min(size - this.headerFill, chunk.length - offset);
    this.header.set(chunk.subarray(offset, offset + take), this.headerFill);
    this.headerFill += take;
    return offset + take;
  }

  private startFrame(): void {
    const view = new DataView(this.header.buffer, 0, FRAME_HEADER_BYTES);
    this.frameType = view.getUint8(0);
    this.framePart = view.getUint16(1);
    const length = view.getUint32(3);
    this.headerFill = 0;
    if (length > MAX_FRAME_BYTES) {
      throw new CacheDigestError('BAD_FRAME', `frame of ${length} bytes exceeds the 1 MiB limit`);
    }
    const fixed = this.frameType === FRAME_END ? 8 : this.frameType === FRAME_FIN ? 2 : -1;
    if (fixed >= 0 && length !== fixed) {
      throw new CacheDigestError('BAD_FRAME', `frame type ${this.frameType} must carry ${fixed} bytes, not ${length}`);
    }
    if (![FRAME_HEAD, FRAME_DATA, FRAME_END, FRAME_ABORT, FRAME_FIN].includes(this.frameType)) {
      throw new CacheDigestError('BAD_FRAME', `unknown frame type 0x${this.frameType.toString(16)}`);
    }
    // Refuse a frame for a part that is not open before buffering its payload.
    if (this.frameType === FRAME_HEAD) {
      if (this.seen.has(this.framePart)) throw new CacheDigestError('BAD_FRAME', `part ${this.framePart} opened twice`);
    } else if (this.frameType !== FRAME_FIN && !this.partStates.has(this.framePart)) {
      throw new CacheDigestError('BAD_FRAME', `frame for part ${this.framePart}, which is not open`);
    }
    this.payload = new Uint8Array(length);
    this.payloadFill = 0;
    this.phase = 'payload';
  }

  private finishFrame(events: PushStreamEvent[]): void {
    const part = this.framePart;
    const payload = this.payload;
    this.payload = new Uint8Array(0);
    this.phase = 'header';
    switch (this.frameType) {
      case FRAME_HEAD: {
        const head = parseHead(payload);
        this.seen.add(part);
        if (head.role === 'page') {
          if (this.pageSeen) throw new CacheDigestError('BAD_FRAME', 'more than one page part');
          this.pageSeen = true;
        }
        const ignored = !isSameOriginPath(head.url);
        // A delta part's content-length is its decoded size: END covers the bytes as sent.
        const declared = head.status === 200 && head.deltaBase === undefined ? head.headers['content-length'] : undefined;
        const contentLength = declared !== undefined && /^\d{1,15}$/.test(declared) ? Number(declared) : undefined;
        this.partStates.set(part, { received: 0, crc: 0, contentLength, ignored });
        if (ignored) events.push({ type: 'abort', part, reason: 'ignored: url is not a same-origin path' });
        else events.push({ type: 'head', part, ...head });
        return;
      }
      case FRAME_DATA: {
        const state = this.partStates.get(part)!;
        if (state.ignored || payload.length === 0) return;
        state.received += payload.length;
        state.crc = crc32(payload, state.crc);
        events.push({ type: 'data', part, bytes: payload });
        return;
      }
      case FRAME_END: {
        const state = this.partStates.get(part)!;
        this.partStates.delete(part);
        if (state.ignored) return;
        const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
        const ok =
          view.getUint32(0) === state.received &&
          view.getUint32(4) === state.crc &&
          (state.contentLength === undefined || state.contentLength === state.received);
        events.push({ type: 'end', part, ok });
        return;
      }
      case FRAME_ABORT: {
        const state = this.partStates.get(part)!;
        this.partStates.delete(part);
        if (state.ignored) return;
        let reason: string;
        try {
          reason = decoder.decode(payload);
        } catch {
          reason = 'aborted';
        }
        events.push({ type: 'abort', part, reason });
        return;
      }
      case FRAME_FIN: {
        const parts = new DataView(payload.buffer, payload.byteOffset, 2).getUint16(0);
        if (this.partStates.size > 0) {
          throw new CacheDigestError('BAD_FRAME', `FIN with open parts: ${[...this.partStates.keys()].join(', ')}`);
        }
        if (parts !== this.seen.size) {
          throw new CacheDigestError('BAD_FRAME', `FIN counts ${parts} parts, the stream opened ${this.seen.size}`);
        }
        this.phase = 'finished';
        events.push({ type: 'fin', parts });
        return;
      }
    }
  }
}

/** Parses and checks a HEAD payload; anything but the documented shape is `BAD_FRAME`. */
function parseHead(payload: Uint8Array): PushStreamHead {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(payload));
  } catch {
    throw new CacheDigestError('BAD_FRAME', 'HEAD payload is not UTF-8 JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CacheDigestError('BAD_FRAME', 'HEAD payload is not a JSON object');
  }
  const { url, status, headers, role, 'delta-base': deltaBase } = value as Record<string, unknown>;
  if (typeof url !== 'string') throw new CacheDigestError('BAD_FRAME', 'HEAD url is not a string');
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) {
    throw new CacheDigestError('BAD_FRAME', 'HEAD status is not an HTTP status code');
  }
  if (role !== 'page' && role !== 'asset') throw new CacheDigestError('BAD_FRAME', 'HEAD role is not "page" or "asset"');
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) {
    throw new CacheDigestError('BAD_FRAME', 'HEAD headers is not an object');
  }
  const clean: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, headerValue] of Object.entries(headers)) {
    if (typeof headerValue !== 'string') throw new CacheDigestError('BAD_FRAME', `HEAD header ${name} is not a string`);
    if (!isValidHeader(name, headerValue)) {
      throw new CacheDigestError('BAD_FRAME', `HEAD header ${JSON.stringify(name)} is not a valid HTTP header`);
    }
    clean[name.toLowerCase()] = headerValue;
  }
  if (deltaBase !== undefined && (typeof deltaBase !== 'string' || !isSameOriginPath(deltaBase) || role !== 'asset' || status !== 200)) {
    throw new CacheDigestError('BAD_FRAME', 'HEAD delta-base is not a same-origin path on a 200 asset part');
  }
  return deltaBase === undefined ? { url, status, headers: clean, role } : { url, status, headers: clean, role, deltaBase };
}
