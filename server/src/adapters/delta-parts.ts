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
/** Default of {@link DeltaPartsOptions.waitMs}. */
const WAIT_MS = 100;

/** Options of {@link DeltaParts}. */
export interface DeltaPartsOptions {
  /** Delta bytes kept (default 16 MiB). */
  maxBytes?: number;
  /**
   * How long a stream waits for a delta not in memory yet, bases read and pair made (default 100 ms): past it, the
   * stream sends the whole part and the delta is finished in the background for later requests. 0: only deltas
   * already in memory.
   */
  waitMs?: number;
}

/**
 * Delta parts, each made once per (asset version, base version) pair and
 * kept (at most `maxBytes`, least recently used out). A request whose
 * delta is not in memory yet waits at most `waitMs`, then goes without (the
 * lookup goes on and its result is kept for the next ones). {@link find} picks the newest base `held` says
 * the client has.
 */
export class DeltaParts {
  readonly #bases: DeltaBases;
  readonly #maxBytes: number;
  readonly #waitMs: number;
  readonly #entries = new Map<string, { part: DeltaPart; bytes: number }>();
  readonly #pending = new Map<string, Promise<DeltaPart>>();
  #bytes = 0;
  #made = 0;

  constructor(bases: DeltaBases, options: DeltaPartsOptions = {}) {
    this.#bases = bases;
    this.#maxBytes = options.maxBytes ?? 16 * 1024 * 1024;
    this.#waitMs = Math.max(0, options.waitMs ?? WAIT_MS);
  }

  /** Deltas made so far (a pair already cached is never deflated again). */
  get made(): number {
    return this.#made;
  }

  /**
   * The delta of the asset at `url` against the newest base the client holds (`held(url, etag)`, its digest), or
   * undefined: no base held, not text, too large, no ETag. The caller sends it only when it is smaller than the body as it
   * would go otherwise. Also undefined when the lookup (finding and reading the bases, making the pair) takes longer
   * than `waitMs`; it goes on, and later requests get its result from memory.
   */
  find(url: string, response: AssetResponse, held: (url: string, etag: string) => boolean): Promise<DeltaPart | undefined> {
    return this.#within(this.#lookup(url, response, held));
  }

  async #lookup(url: string, response: AssetResponse, held: (url: string, etag: string) => boolean): Promise<DeltaPart | undefined> {
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

  /** The lookup's answer if it comes within the wait budget, else undefined (it goes on in the background). */
  #within(lookup: Promise<DeltaPart | undefined>): Promise<DeltaPart | undefined> {
    return new Promise((resolve, reject) => {
      // 0: only what memory answers at once (resolved promises settle before the next turn of the event loop).
      const timer = this.#waitMs === 0 ? setImmediate(() => resolve(undefined)) : setTimeout(() => resolve(undefined), this.#waitMs);
      const stop = (): void => (this.#waitMs === 0 ? clearImmediate(timer as NodeJS.Immediate) : clearTimeout(timer as NodeJS.Timeout));
      lookup.then(
        (part) => {
          stop();
          resolve(part);
        },
        (error: unknown) => {
          stop();
          reject(error);
        },
      );
    });
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
