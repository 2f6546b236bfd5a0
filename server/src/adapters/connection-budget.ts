/**
 * Bytes the push streams of one connection may have handed to the
 * transport and not yet seen flushed: a stream writes its next slice only
 * within the budget, so clients that do not read (flow-control windows
 * kept shut) hold a bounded amount per connection, however many streams
 * they open.
 */
export class ConnectionBudget {
  private used = 0;
  private waiters: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  /** Resolves true once `bytes` fit (one chunk always fits an idle budget), or false when `gone` settles first. */
  async acquire(bytes: number, gone: Promise<unknown>): Promise<boolean> {
    let left = false;
    void gone.then(() => {
      left = true;
      this.wake();
    });
    while (this.used > 0 && this.used + bytes > this.limit) {
      if (left) return false;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    if (left) return false;
    this.used += bytes;
    return true;
  }

  /** Gives `bytes` back (their write completed, or the stream closed). */
  release(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}

const budgets = new WeakMap<object, ConnectionBudget>();

/** The budget of the connection `key` (an HTTP/2 session or an HTTP/1.1 socket). */
export function connectionBudget(key: object, limit: number): ConnectionBudget {
  let budget = budgets.get(key);
  if (!budget) {
    budget = new ConnectionBudget(limit);
    budgets.set(key, budget);
  }
  return budget;
}
