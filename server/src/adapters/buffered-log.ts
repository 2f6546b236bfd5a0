/** A line sink that batches writes (from {@link bufferedLog}). */
export interface BufferedLog {
  /** Queues one line (a newline is added); written at the end of the current event-loop turn. */
  write(line: string): void;
  /** Writes what is queued now. */
  flush(): void;
  /** Lines dropped because the destination stayed backed up past the bound. */
  readonly dropped: number;
}

const flushOnExit = new Set<() => void>();
process.once('exit', () => {
  for (const flush of flushOnExit) flush();
});

/**
 * Batches log lines into one write per event-loop turn. process.stdout is
 * synchronous for files and pipes on Linux, so a line written per request
 * is a write(2) on the request path; batched, a busy server makes one call
 * per turn for hundreds of lines. When the destination is slower than the
 * log (a stalled pipe), lines beyond `maxBufferedBytes` are dropped and
 * counted rather than held: a log must never grow the server's memory
 * without bound. Flushes on process exit. A hand-written writer instead of
 * pino/sonic-boom: the kit needs batching only, not a logging framework.
 */
export function bufferedLog(
  stream: { write(chunk: string): unknown; writableLength?: number } = process.stdout,
  options: { maxBufferedBytes?: number } = {},
): BufferedLog {
  const maxBufferedBytes = options.maxBufferedBytes ?? 4 * 1024 * 1024;
  let pending: string[] = [];
  let pendingBytes = 0;
  let scheduled = false;
  let dropped = 0;

  const flush = (): void => {
    scheduled = false;
    if (pending.length === 0) return;
    const text = pending.join('');
    pending = [];
    pendingBytes = 0;
    try {
      stream.write(text);
    } catch {
      // A closed destination (EPIPE): the log is lost, the server goes on.
    }
  };
  flushOnExit.add(flush);

  return {
    write(line: string): void {
      if (pendingBytes + (stream.writableLength ?? 0) > maxBufferedBytes) {
        dropped++;
        return;
      }
      pending.push(line + '\n');
      pendingBytes += line.length + 1;
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flush,
    get dropped() {
      return dropped;
    },
  };
}
