import { within } from './within.ts';
import type { BufferedResponse } from './stored-response.ts';

interface Waiter {
  promise: Promise<BufferedResponse | undefined>;
  resolve: (value: BufferedResponse | undefined) => void;
  /** The stream that announced it (see {@link PartWaiters.release}). */
  owner: object | undefined;
}

/** Bound on `push-stream-urls` entries honoured. */
const MAX_ANNOUNCED = 512;

/**
 * The URLs a push stream announced (`push-stream-urls`) and not yet
 * delivered. A page request for one of them waits here for its part: it
 * gets the verified body, or `undefined` (go to the network) when the part
 * was void, truncated, or late.
 */
export class PartWaiters {
  private readonly byUrl = new Map<string, Waiter>();

  /**
   * Announces the URLs a push stream's `push-stream-urls` header names (at
   * most 512), each resolved by `resolve` (undefined: out of scope, ignored);
   * returns the ones announced. `owner` (the stream) lets it release them
   * later without touching a later stream's announcement of the same URL.
   */
  announceAll(header: string | null, resolve: (path: string) => string | undefined, owner?: object): string[] {
    const announced: string[] = [];
    for (const path of (header ?? '').split(',').slice(0, MAX_ANNOUNCED)) {
      const url = resolve(path.trim());
      if (url === undefined) continue;
      announced.push(url);
      this.announce(url, owner);
    }
    return announced;
  }

  /** Announces `url`; a later announcement of the same URL replaces the earlier one, which is released. */
  announce(url: string, owner?: object): void {
    this.release(url);
    let resolve!: Waiter['resolve'];
    const promise = new Promise<BufferedResponse | undefined>((done) => (resolve = done));
    this.byUrl.set(url, { promise, resolve, owner });
  }

  /** True while `url` is announced and not released (its part may have arrived already). */
  has(url: string): boolean {
    return this.byUrl.has(url);
  }

  /**
   * Delivers `url`'s part (or `undefined`: fetch it from the network) to
   * everyone waiting for it. A delivered part stays available to later
   * requests until {@link release}, so that a request arriving while the
   * part is still being written to the cache does not go to the network,
   * and the page's own requests are answered from memory rather than read
   * back from Cache Storage.
   */
  settle(url: string, value: BufferedResponse | undefined, owner?: object): void {
    const waiter = this.byUrl.get(url);
    // With `owner`, only that stream's own announcement: a later stream's waiter waits for that stream's part.
    if (!waiter || (owner !== undefined && waiter.owner !== owner)) return;
    if (value === undefined) this.byUrl.delete(url);
    waiter.resolve(value);
  }

  /**
   * Forgets `url` (its part is in the cache now, or void); with `owner`,
   * only when that stream's announcement is still the current one.
   */
  release(url: string, owner?: object): void {
    const waiter = this.byUrl.get(url);
    if (!waiter || (owner !== undefined && waiter.owner !== owner)) return;
    this.byUrl.delete(url);
    waiter.resolve(undefined);
  }

  /** Waits at most `timeoutMs` for `url`'s part; `undefined` when it is not announced, void or late. */
  async wait(url: string, timeoutMs: number): Promise<BufferedResponse | undefined> {
    const waiter = this.byUrl.get(url);
    return waiter && within(waiter.promise, timeoutMs);
  }
}
