/**
 * When the pages this worker controls last asked it for a subresource. Work
 * that can wait (pruning after a push stream, dropping the stream's parts
 * from memory) waits until the page has gone quiet, so that it never
 * competes with the page's own requests for the worker's thread and for
 * Cache Storage, whose writes hold up reads of the same cache.
 */
export class PageActivity {
  private last = Number.NEGATIVE_INFINITY;

  /** Records a subresource request now. */
  note(now: number = Date.now()): void {
    this.last = now;
  }

  /**
   * Resolves once no subresource request has started for `quietMs`, or after
   * `maxMs` whatever happens (a page that never stops asking must not hold
   * the work back for ever).
   */
  quiet(quietMs: number, maxMs: number): Promise<void> {
    const deadline = Date.now() + maxMs;
    return new Promise((resolve) => {
      const check = (): void => {
        const now = Date.now();
        const quietAt = Math.max(this.last, now - quietMs) + quietMs;
        if (now >= deadline || now >= quietAt) return resolve();
        setTimeout(check, Math.min(quietAt, deadline) - now);
      };
      // Starts with a full quiet period: the page's first requests follow the page part by a few ms.
      setTimeout(check, quietMs);
    });
  }
}
