/**
 * Bytes the push streams of one connection may have handed to the
 * transport and not yet seen flushed: a stream writes its next slice only
 * within the budget, so clients that do not read (flow-control windows
 * kept shut) hold a bounded amount per connection, however many streams
 * they open. The budget starts small and grows with the bytes the client
 * has actually taken, up to `limit`: a connection that never reads holds
 * only the starting budget, one that reads gets the whole of it at once.
 */
export class ConnectionBudget {
  private used = 0;
  private flushed = 0;
  private waiters: (() => void)[] = [];
  private readonly initial: number;
  /** Push streams of the connection still open. */
  streams = 0;

  constructor(
    private readonly limit: number,
    initial = INITIAL_BUDGET_BYTES,
  ) {
    this.initial = Math.min(initial, limit);
  }

  /** Bytes handed to the transport and not yet flushed or given back. */
  get held(): number {
    return this.used;
  }

  /** The current bound: the starting budget plus what has been flushed, at most `limit`. */
  get bound(): number {
    return Math.min(this.limit, this.initial + this.flushed);
  }

  /** Resolves true once `bytes` fit (one chunk always fits an idle budget), or false when `gone` settles first. */
  async acquire(bytes: number, gone: Promise<unknown>): Promise<boolean> {
    let left = false;
    void gone.then(() => {
      left = true;
      this.wake();
    });
    while (this.used > 0 && this.used + bytes > this.bound) {
      if (left) return false;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    if (left) return false;
    this.used += bytes;
    return true;
  }

  /** Gives `bytes` back: `flushed` when their write completed (the budget grows by them), else the stream closed. */
  release(bytes: number, flushed = false): void {
    this.used = Math.max(0, this.used - bytes);
    if (flushed && this.flushed < this.limit) this.flushed += bytes;
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}

// A connection's first budget: four 16 KiB slices before the client has taken anything.
const INITIAL_BUDGET_BYTES = 64 * 1024;
const budgets = new WeakMap<object, ConnectionBudget>();

/** The budget of `key` if one was made (for live-state counts), without making one. */
export function existingBudget(key: object): ConnectionBudget | undefined {
  return budgets.get(key);
}

/** The budget of the connection `key` (an HTTP/2 session or an HTTP/1.1 socket). */
export function connectionBudget(key: object, limit: number): ConnectionBudget {
  let budget = budgets.get(key);
  if (!budget) {
    budget = new ConnectionBudget(limit);
    budgets.set(key, budget);
  }
  return budget;
}
