import { promisify } from 'node:util';
import { deflateRaw } from 'node:zlib';
import { crc32 } from '@cache-digest/shared';
import type { AssetResponse } from './asset-reader.ts';
import type { DeltaBases } from './delta-bases.ts';
import { TEXT_TYPE, type StreamPiece } from './stream-pieces.ts';

/** An asset's body as a delta against a base the client holds (docs/push-stream.md, Delta parts). */
export interface DeltaPart {
  /** The base's same-origin path (the HEAD's `delta-base`). */
  base: string;
  /** Raw deflate of the body with the base as preset dictionary, finished. */
  bytes: Uint8Array;
  /** `bytes` cut as stored pieces of a gzip-encoded stream (16 KiB, CRC-32 each). */
  pieces: StreamPiece[];
}

const deflate = promisify(deflateRaw);
// Asset bodies larger than this are sent whole (a delta only reaches 32 KiB back into its base anyway).
const MAX_BODY_BYTES = 4 * 1024 * 1024;
const STORED_PIECE_BYTES = 16 * 1024;
const ENTRY_OVERHEAD_BYTES = 256;

/**
 * Delta parts, each made once per (asset version, base version) pair and
 * kept (at most `maxBytes`, least recently used out): only the first request
 * that needs a pair waits while it is made. {@link find} picks the newest
 * base `held` says the client has.
 */
export class DeltaParts {
  readonly #bases: DeltaBases;
  readonly #maxBytes: number;
  readonly #entries = new Map<string, { part: DeltaPart; bytes: number }>();
  readonly #pending = new Map<string, Promise<DeltaPart>>();
  #bytes = 0;
  #made = 0;

  /** `maxBytes`: delta bytes kept (default 16 MiB). */
  constructor(bases: DeltaBases, maxBytes = 16 * 1024 * 1024) {
    this.#bases = bases;
    this.#maxBytes = maxBytes;
  }

  /** Deltas made so far (a pair already cached is never deflated again). */
  get made(): number {
    return this.#made;
  }

  /**
   * The delta of the asset at `url` against the newest base the client holds (`held(url, etag)`, its digest), or
   * undefined: no base held, not text, too large, no ETag. The caller sends it only when it is smaller than the body as it
   * would go otherwise.
   */
  async find(url: string, response: AssetResponse, held: (url: string, etag: string) => boolean): Promise<DeltaPart | undefined> {
    const { etag, 'content-type': type } = response.headers;
    if (etag === undefined || !TEXT_TYPE.test(type ?? '') || response.body.byteLength > MAX_BODY_BYTES) return undefined;
    const base = (await this.#bases.candidates(url)).find((candidate) => held(candidate.url, candidate.etag));
    if (!base) return undefined;
    const key = `${url}\n${etag}\n${response.body.byteLength}\n${base.url}\n${base.etag}`;
    const entry = this.#entries.get(key);
    if (entry) {
      this.#entries.delete(key);
      this.#entries.set(key, entry);
      return entry.part;
    }
    let pending = this.#pending.get(key);
    if (!pending) {
      pending = this.#make(base.url, base.tail, response.body).then((part) => {
        this.#store(key, part);
        return part;
      });
      this.#pending.set(key, pending);
      void pending.finally(() => this.#pending.delete(key)).catch(() => undefined);
    }
    return pending;
  }

  async #make(base: string, dictionary: Uint8Array, body: Uint8Array): Promise<DeltaPart> {
    this.#made++;
    const deflated = await deflate(body, { level: 9, memLevel: 9, dictionary });
    const bytes = new Uint8Array(deflated.buffer, deflated.byteOffset, deflated.byteLength);
    const pieces: StreamPiece[] = [];
    for (let offset = 0; offset < bytes.byteLength; offset += STORED_PIECE_BYTES) {
      const slice = bytes.subarray(offset, offset + STORED_PIECE_BYTES);
      pieces.push({ offset, length: slice.byteLength, crc: crc32(slice) });
    }
    return { base, bytes, pieces };
  }

  #store(key: string, part: DeltaPart): void {
    const bytes = ENTRY_OVERHEAD_BYTES + part.bytes.byteLength + part.pieces.length * 32;
    if (bytes > this.#maxBytes) return;
    while (this.#bytes + bytes > this.#maxBytes) {
      const [oldest, entry] = this.#entries.entries().next().value!;
      this.#entries.delete(oldest);
      this.#bytes -= entry.bytes;
    }
    this.#entries.set(key, { part, bytes });
    this.#bytes += bytes;
  }
}
