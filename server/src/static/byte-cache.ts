/**
 * A least-recently-used map from string keys to byte arrays, bounded by the
 * total number of bytes it holds.
 */
export class ByteCache {
  readonly #maxBytes: number;
  readonly #entries = new Map<string, Uint8Array>();
  #bytes = 0;

  constructor(maxBytes: number) {
    this.#maxBytes = Math.max(0, maxBytes);
  }

  /** Bytes currently held. */
  get bytes(): number {
    return this.#bytes;
  }

  get(key: string): Uint8Array | undefined {
    const value = this.#entries.get(key);
    if (value !== undefined) {
      // Re-insert to mark it most recently used.
      this.#entries.delete(key);
      this.#entries.set(key, value);
    }
    return value;
  }

  /** Stores `value` unless it alone exceeds the budget; evicts the least recently used entries to make room. */
  set(key: string, value: Uint8Array): void {
    this.delete(key);
    if (value.byteLength > this.#maxBytes) return;
    this.#entries.set(key, value);
    this.#bytes += value.byteLength;
    for (const [oldKey, oldValue] of this.#entries) {
      if (this.#bytes <= this.#maxBytes) break;
      this.#entries.delete(oldKey);
      this.#bytes -= oldValue.byteLength;
    }
  }

  delete(key: string): void {
    const old = this.#entries.get(key);
    if (old !== undefined) {
      this.#entries.delete(key);
      this.#bytes -= old.byteLength;
    }
  }
}
