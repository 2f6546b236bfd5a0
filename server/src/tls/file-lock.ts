import { open, rm, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/** Longest a lock may be held before another process may take it over. */
const STALE_LOCK_MS = 60_000;
const RETRY_MS = 50;

/**
 * Runs `task` while holding an exclusive lock file (created with `wx`), so
 * that several processes sharing a folder do not write it at once. Waits at
 * most about `waitMs`; a lock older than a minute is treated as abandoned.
 */
export async function withFileLock<T>(lockPath: string, task: () => Promise<T>, waitMs = 90_000): Promise<T> {
  const attempts = Math.ceil(waitMs / RETRY_MS);
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(lockPath, 'wx', 0o600);
      await handle.writeFile(`${process.pid} ${new Date().toISOString()}\n`);
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (attempt >= attempts) throw new Error(`timed out waiting for the lock ${lockPath}`);
      const age = await stat(lockPath).then(
        (info) => Date.now() - info.mtimeMs,
        () => 0,
      );
      if (age > STALE_LOCK_MS) await rm(lockPath, { force: true });
      else await sleep(RETRY_MS);
    }
  }
  try {
    return await task();
  } finally {
    await rm(lockPath, { force: true });
  }
}
