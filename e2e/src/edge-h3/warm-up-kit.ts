import type { RunningServer } from '@cache-digest/server';
import type { BuiltSite } from '../harness/build-demo-site.ts';
import { warmUp } from '../harness/e2e-environment.ts';

/**
 * The matrix's warm-up (every file once, compressed as browsers ask, pushes
 * refused) with a time limit: a kit that stops answering fails the edge
 * bench with this error instead of hanging it (the caller closes the kit,
 * which ends the warm-up's session).
 */
export async function warmUpKit(kit: RunningServer, site: BuiltSite, timeoutMs = 60_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`warming up the kit on port ${kit.port} took over ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([warmUp(kit, site), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
