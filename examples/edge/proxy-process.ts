import type { ChildProcess } from 'node:child_process';

/** Kills `child` if this process exits first (a crash, Ctrl-C), so no proxy is left holding its port. */
export function killOnExit(child: ChildProcess): void {
  const kill = (): void => {
    if (child.exitCode === null) child.kill('SIGKILL');
  };
  process.once('exit', kill);
  child.once('exit', () => process.off('exit', kill));
}

/** Asks `child` to stop with `signal` (its graceful one), killing it after 5 s; resolves once it exited. */
export function stopProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}
