import type { BufferedResponse } from './stored-response.ts';

interface Waiter {
  promise: Promise<BufferedResponse | undefined>;
  resolve: (value: BufferedResponse | undefined) => void;
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
  private readonly waiting = new Map<string, Waiter>();

  /**
   * Announces the URLs a push stream's `push-stream-urls` header names (at
   * most 512), each resolved by `resolve` (undefined: out of scope, ignored);
   * returns the ones announced.
   */
  announceAll(header: string | null, resolve: (path: string) => string | undefined): string[] {
    const announced: string[] = [];
    for (const path of (header ?? '').split(',').slice(0, MAX_ANNOUNCED)) {
      const url = resolve(path.trim());
      if (url === undefined) continue;
      announced.push(url);
      this.announce(url);
    }
    return announced;
  }

  /** Announces `url`; a later announcement of the same URL replaces the earlier one, which is released. */
  announce(url: string): void {
    this.release(url);
    let resolve!: Waiter['resolve'];
    const promise = new Promise<BufferedResponse | undefined>((done) => (resolve = done));
    this.waiting.set(url, { promise, resolve });
  }

  /** True while `url` is announced and not settled. */
  has(url: string): boolean {
    return this.waiting.has(url);
  }

  /**
   * Delivers `url`'s part (or `undefined`: fetch it from the network) to
   * everyone waiting for it. A delivered part stays available to later
   * requests until {@link release}, so that a request arriving while the
   * part is still being written to the cache does not go to the network.
   */
  settle(url: string, value: BufferedResponse | undefined): void {
    const waiter = this.waiting.get(url);
    if (!waiter) return;
    if (value === undefined) this.waiting.delete(url);
    waiter.resolve(value);
  }

  /** Forgets `url` (its part is in the cache now, or void). */
  release(url: string): void {
    const waiter = this.waiting.get(url);
    if (!waiter) return;
    this.waiting.delete(url);
    waiter.resolve(undefined);
  }

  /** Waits at most `timeoutMs` for `url`'s part; `undefined` when it is not announced, void or late. */
  async wait(url: string, timeoutMs: number): Promise<BufferedResponse | undefined> {
    const waiter = this.waiting.get(url);
    if (!waiter) return undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<undefined>((resolve) => (timer = setTimeout(resolve, timeoutMs, undefined)));
    try {
      return await Promise.race([waiter.promise, late]);
    } finally {
      clearTimeout(timer);
    }
  }
}
