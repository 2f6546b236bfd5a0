/** A value to publish, and when it will change by itself (a fresh entry turning stale), epoch ms. */
export interface PublishedValue {
  value: string;
  changesAt?: number;
}

/** The subset of `NavigationPreloadManager` the publisher uses. */
export type PreloadManager = Pick<NavigationPreloadManager, 'enable' | 'disable' | 'getState' | 'setHeaderValue'>;

/** Longest wait for a time-driven republish; a stopped worker republishes when it next starts. */
const MAX_EXPIRY_WAIT_MS = 60 * 60 * 1000;

/**
 * Keeps `registration.navigationPreload`'s header value equal to a value
 * computed by the worker (its digests), so navigations the browser sends
 * without the worker (navigation preload) carry them. `setHeaderValue` is
 * called only when the value differs from the one the browser holds, at
 * most once per `intervalMs`, one call at a time: a burst of cache writes
 * costs one call. When the browser refuses a value, navigation preload is
 * turned off again, so the worker's navigations go back to carrying the
 * digests on its own requests rather than leaving without them.
 */
export class NavigationPreloadPublisher {
  private published: string | undefined;
  private lastRun = Number.NEGATIVE_INFINITY;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private expiryTimer: ReturnType<typeof setTimeout> | undefined;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly manager: PreloadManager,
    private readonly current: () => Promise<PublishedValue>,
    private readonly intervalMs = 50,
  ) {}

  /** Turns navigation preload on and publishes the current value. Rejects when the browser refuses to turn it on. */
  async enable(): Promise<void> {
    const state = await this.manager.getState();
    this.published ??= state.headerValue;
    if (!state.enabled) await this.manager.enable();
    await this.publishNow();
  }

  /** Notes that the value may have changed; it is published within `intervalMs`. */
  schedule(): void {
    if (this.timer !== undefined) return;
    const wait = Math.max(0, this.lastRun + this.intervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.publishNow();
    }, wait);
  }

  /** Publishes the current value now if it changed. Never rejects. */
  publishNow(): Promise<void> {
    this.queue = this.queue.then(() => this.publish()).catch(() => undefined);
    return this.queue;
  }

  private async publish(): Promise<void> {
    this.lastRun = Date.now();
    const { value, changesAt } = await this.current();
    clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
    if (changesAt !== undefined && Number.isFinite(changesAt)) {
      const wait = Math.min(MAX_EXPIRY_WAIT_MS, Math.max(this.intervalMs, changesAt - Date.now()));
      this.expiryTimer = setTimeout(() => this.schedule(), wait);
    }
    if (value === this.published) return;
    try {
      await this.manager.setHeaderValue(value);
    } catch (error) {
      this.published = undefined;
      await this.manager.disable();
      throw error;
    }
    this.published = value;
  }
}
