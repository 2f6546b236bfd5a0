import { crc32 } from '../crc32.ts';
import { crc32Combine } from './crc32-combine.ts';
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
  MAX_PART,
} from './format.ts';
import type { PushStreamHead } from './types.ts';
import { isValidHeader } from './header-syntax.ts';
import { isSameOriginPath } from './is-same-origin-path.ts';

interface OpenPart {
  length: number;
  crc: number;
}

const encoder = new TextEncoder();
const EMPTY = new Uint8Array(0);
// Encoded HEAD payloads by status, role, URL and headers (copied into every frame, never handed out).
const encodedHeads = new Map<string, Uint8Array>();
const MAX_CACHED_HEADS = 512;
const MAX_CACHED_HEAD_CHARS = 4096;

/**
 * Builds a push stream (docs/push-stream.md) frame by frame. Every method
 * returns the bytes to write next; the first bytes returned start with the
 * stream's magic. The writer tracks each open part's length and CRC-32 so
 * that {@link end} can close it, and refuses misuse (a part opened twice,
 * data for a part that is not open, FIN with open parts) with a
 * `BAD_ARGUMENT` CacheDigestError.
 */
export class PushStreamWriter {
  private readonly open = new Map<number, OpenPart>();
  private readonly used = new Set<number>();
  private started = false;
  private finished = false;
  private readonly maxFrameBytes: number;

  /** `maxDataFrameBytes` splits bodies into DATA frames of at most that size (default and ceiling 1 MiB). */
  constructor(options: { maxDataFrameBytes?: number } = {}) {
    const size = options.maxDataFrameBytes ?? MAX_FRAME_BYTES;
    if (!Number.isInteger(size) || size < 1 || size > MAX_FRAME_BYTES) {
      throw new CacheDigestError('BAD_ARGUMENT', `maxDataFrameBytes must be an integer in 1..${MAX_FRAME_BYTES}`);
    }
    this.maxFrameBytes = size;
  }

  /** Number of parts opened so far (the count FIN will carry). */
  get parts(): number {
    return this.used.size;
  }

  /** Opens part `part` with its URL, status, headers and role (a HEAD frame). */
  head(part: number, head: PushStreamHead): Uint8Array {
    return this.frames([[FRAME_HEAD, part, this.openHead(part, head)]]);
  }

  /**
   * A whole part in one buffer: its HEAD, its body in DATA frames and its END
   * (what {@link head}, {@link data} and {@link end} return, joined), so a
   * small asset goes out in one write.
   */
  part(part: number, head: PushStreamHead, body: Uint8Array): Uint8Array {
    const json = this.openHead(part, head);
    const frames: [number, number, Uint8Array][] = [[FRAME_HEAD, part, json]];
    this.pushData(part, body, frames);
    frames.push(this.endFrame(part));
    return this.frames(frames);
  }

  /** Checks a HEAD, marks its part open and returns the frame's JSON payload. */
  private openHead(part: number, head: PushStreamHead): Uint8Array {
    this.checkWritable();
    if (!Number.isInteger(part) || part < 0 || part > MAX_PART) {
      throw new CacheDigestError('BAD_ARGUMENT', `part must be an integer in 0..${MAX_PART}`);
    }
    if (this.used.has(part)) throw new CacheDigestError('BAD_ARGUMENT', `part ${part} was already opened`);
    if (!isSameOriginPath(head.url)) {
      throw new CacheDigestError('BAD_ARGUMENT', `part url must be a same-origin absolute path: ${JSON.stringify(head.url)}`);
    }
    if (!Number.isInteger(head.status) || head.status < 100 || head.status > 599) {
      throw new CacheDigestError('BAD_ARGUMENT', `part status must be an HTTP status code: ${head.status}`);
    }
    if (head.role !== 'page' && head.role !== 'asset') {
      throw new CacheDigestError('BAD_ARGUMENT', `part role must be "page" or "asset"`);
    }
    if (head.deltaBase !== undefined && (head.role !== 'asset' || head.status !== 200 || !isSameOriginPath(head.deltaBase))) {
      throw new CacheDigestError('BAD_ARGUMENT', `a delta base must be a same-origin absolute path of a 200 asset part: ${JSON.stringify(head.deltaBase)}`);
    }
    // A server sends the same asset heads over and over: checked and encoded once per distinct head.
    const key = JSON.stringify(head.headers);
    let json = key.length <= MAX_CACHED_HEAD_CHARS ? encodedHeads.get(`${head.status} ${head.role} ${head.url} ${head.deltaBase ?? ''} ${key}`) : undefined;
    if (!json) {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(head.headers)) {
        if (!isValidHeader(name, String(value))) {
          throw new CacheDigestError('BAD_ARGUMENT', `part header ${JSON.stringify(name)} is not a valid HTTP header`);
        }
        headers[name.toLowerCase()] = String(value);
      }
      json = encoder.encode(JSON.stringify({ url: head.url, status: head.status, headers, role: head.role, ...(head.deltaBase === undefined ? {} : { 'delta-base': head.deltaBase }) }));
      if (json.length > MAX_FRAME_BYTES) throw new CacheDigestError('BAD_ARGUMENT', 'part headers exceed one frame (1 MiB)');
      if (key.length <= MAX_CACHED_HEAD_CHARS) {
        if (encodedHeads.size >= MAX_CACHED_HEADS) encodedHeads.delete(encodedHeads.keys().next().value!);
        encodedHeads.set(`${head.status} ${head.role} ${head.url} ${head.deltaBase ?? ''} ${key}`, json);
      }
    }
    this.used.add(part);
    this.open.set(part, { length: 0, crc: 0 });
    return json;
  }

  /** The next bytes of an open part's body, split into DATA frames. Empty input yields no frame. */
  data(part: number, bytes: Uint8Array): Uint8Array {
    const frames: [number, number, Uint8Array][] = [];
    this.pushData(part, bytes, frames);
    return this.frames(frames);
  }

  /**
   * The 7-byte header of a DATA frame whose payload the caller sends itself:
   * `length` bytes with CRC-32 `crc`, known beforehand (a server that
   * compressed the asset once passes the piece's figures, so no request reads
   * the bytes again). The payload must follow at once, before any other frame.
   */
  dataHeader(part: number, length: number, crc: number): Uint8Array {
    const state = this.openPart(part);
    if (!Number.isInteger(length) || length < 1 || length > this.maxFrameBytes) {
      throw new CacheDigestError('BAD_ARGUMENT', `a DATA frame carries 1..${this.maxFrameBytes} bytes`);
    }
    if (state.length + length > 0xffffffff) throw new CacheDigestError('BAD_ARGUMENT', 'a part body cannot exceed 4 GiB');
    state.length += length;
    state.crc = crc32Combine(state.crc, crc, length);
    const out = this.frames([[FRAME_DATA, part, EMPTY]]);
    writeU32(out, out.length - 4, length);
    return out;
  }

  /** Closes a part with the length and CRC-32 of everything written for it (an END frame). */
  end(part: number): Uint8Array {
    return this.frames([this.endFrame(part)]);
  }

  private pushData(part: number, bytes: Uint8Array, frames: [number, number, Uint8Array][]): void {
    const state = this.openPart(part);
    if (bytes.length === 0) return;
    if (state.length + bytes.length > 0xffffffff) throw new CacheDigestError('BAD_ARGUMENT', 'a part body cannot exceed 4 GiB');
    state.length += bytes.length;
    state.crc = crc32(bytes, state.crc);
    for (let offset = 0; offset < bytes.length; offset += this.maxFrameBytes) {
      frames.push([FRAME_DATA, part, bytes.subarray(offset, offset + this.maxFrameBytes)]);
    }
  }

  private endFrame(part: number): [number, number, Uint8Array] {
    const state = this.openPart(part);
    const payload = new Uint8Array(8);
    writeU32(payload, 0, state.length);
    writeU32(payload, 4, state.crc);
    this.open.delete(part);
    return [FRAME_END, part, payload];
  }

  /** Voids an open part (an ABORT frame): the reader drops it and fetches the URL itself. */
  abort(part: number, reason: string): Uint8Array {
    this.openPart(part);
    this.open.delete(part);
    const payload = encoder.encode(reason);
    return this.frames([[FRAME_ABORT, part, payload.length > 1024 ? payload.subarray(0, 1024) : payload]]);
  }

  /** Ends the stream (a FIN frame). Every part must be closed first. */
  fin(): Uint8Array {
    this.checkWritable();
    if (this.open.size > 0) {
      throw new CacheDigestError('BAD_ARGUMENT', `cannot finish with open parts: ${[...this.open.keys()].join(', ')}`);
    }
    const payload = new Uint8Array(2);
    new DataView(payload.buffer).setUint16(0, this.used.size);
    const bytes = this.frames([[FRAME_FIN, 0, payload]]);
    this.finished = true;
    return bytes;
  }

  /** Parts opened and not yet ended or aborted. */
  openParts(): number[] {
    return [...this.open.keys()];
  }

  private checkWritable(): void {
    if (this.finished) throw new CacheDigestError('BAD_ARGUMENT', 'the push stream is already finished');
  }

  private openPart(part: number): OpenPart {
    this.checkWritable();
    const state = this.open.get(part);
    if (!state) throw new CacheDigestError('BAD_ARGUMENT', `part ${part} is not open`);
    return state;
  }

  private frames(frames: [type: number, part: number, payload: Uint8Array][]): Uint8Array {
    let size = this.started ? 0 : MAGIC.length;
    for (let i = 0; i < frames.length; i++) size += FRAME_HEADER_BYTES + frames[i]![2].length;
    const out = new Uint8Array(size);
    let offset = 0;
    if (!this.started) {
      out.set(MAGIC, 0);
      offset = MAGIC.length;
      this.started = true;
    }
    for (let i = 0; i < frames.length; i++) {
      const [type, part, payload] = frames[i]!;
      out[offset] = type;
      out[offset + 1] = part >>> 8;
      out[offset + 2] = part & 0xff;
      writeU32(out, offset + 3, payload.length);
      out.set(payload, offset + FRAME_HEADER_BYTES);
      offset += FRAME_HEADER_BYTES + payload.length;
    }
    return out;
  }
}

/** Big-endian u32 at `offset`. */
function writeU32(out: Uint8Array, offset: number, value: number): void {
  out[offset] = value >>> 24;
  out[offset + 1] = (value >>> 16) & 0xff;
  out[offset + 2] = (value >>> 8) & 0xff;
  out[offset + 3] = value & 0xff;
}
