import http2 from 'node:http2';
import type { RunningServer } from '@cache-digest/server';
import type { BuiltSite } from './build-demo-site.ts';

/** How long a warm-up may take before the bench gives up on the server (the demo's few dozen files take well under a second). */
export const WARM_UP_TIMEOUT_MS = 60_000;

/**
 * Requests every file of the site once, compressed the way browsers ask
 * (pushes refused), so the first measured visit does not pay the server's
 * one-time compression and ETag work. A server that stops answering fails
 * with an error naming it (`what`), its port and how many files answered,
 * within `timeoutMs`, instead of hanging the bench; the warm-up's session is
 * closed either way.
 */
export async function warmUp(server: RunningServer, site: BuiltSite, options: { timeoutMs?: number; what?: string } = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? WARM_UP_TIMEOUT_MS;
  const session = http2.connect(`https://127.0.0.1:${server.port}`, { rejectUnauthorized: false, settings: { enablePush: false } });
  session.on('error', () => {});
  session.on('stream', (pushed) => {
    pushed.on('error', () => {});
    pushed.close(http2.constants.NGHTTP2_REFUSED_STREAM);
  });
  const files = [...site.files.keys()];
  let answered = 0;
  let finished = false;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`warming up ${options.what ?? 'the server'} on port ${server.port} took over ${timeoutMs} ms (${answered} of ${files.length} files answered)`)),
      timeoutMs,
    );
  });
  try {
    await Promise.race([
      Promise.all(
        files.map(
          (urlPath) =>
            new Promise<void>((resolve) => {
              const stream = session.request({ ':path': urlPath, 'accept-encoding': 'gzip, deflate, br' });
              stream.on('data', () => {});
              stream.on('end', () => {
                answered += 1;
                resolve();
              });
              stream.on('error', () => resolve());
            }),
        ),
      ),
      timeout,
    ]);
    finished = true;
  } finally {
    clearTimeout(timer);
    // A hung server's streams never end: its session is destroyed rather than waited for.
    if (finished) session.close();
    else session.destroy();
  }
}
