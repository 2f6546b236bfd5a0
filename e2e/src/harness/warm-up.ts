import http2 from 'node:http2';
import type { RunningServer } from '@cache-digest/server';
import type { BuiltSite } from './build-demo-site.ts';

/** How long a warm-up may take before the bench gives up on the server (the demo's few dozen files take well under a second). */
export const WARM_UP_TIMEOUT_MS = 60_000;
/** Default of the `attempts` option of {@link warmUp}. */
export const WARM_UP_ATTEMPTS = 3;
// Pause before the second attempt (doubling after): a server still binding or a dropped connection gets a moment.
const RETRY_PAUSE_MS = 200;

/** Options of {@link warmUp}. */
export interface WarmUpOptions {
  /** The whole warm-up, retries included (default {@link WARM_UP_TIMEOUT_MS}). */
  timeoutMs?: number;
  /** Connections tried, each for the files not answered yet (default {@link WARM_UP_ATTEMPTS}). */
  attempts?: number;
  /** The server's name in errors. */
  what?: string;
}

/**
 * Requests every file of the site once, compressed the way browsers ask
 * (pushes refused), so the first measured visit does not pay the server's
 * one-time compression and ETag work. A file counts only when its response
 * ends with a status below 500; a connection error, a reset stream or a 5xx
 * is retried on a new connection (`attempts` in all), then the warm-up fails
 * naming the server (`what`), its port and the files that did not answer and
 * why. A server that stops answering fails the same way within `timeoutMs`
 * instead of hanging the bench; every session is closed either way.
 */
export async function warmUp(server: RunningServer, site: BuiltSite, options: WarmUpOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? WARM_UP_TIMEOUT_MS;
  const attempts = Math.max(1, options.attempts ?? WARM_UP_ATTEMPTS);
  const what = options.what ?? 'the server';
  const files = [...site.files.keys()];
  let pending = files;
  let answered = 0;
  const failures = new Map<string, string>();
  let session: http2.ClientHttp2Session | undefined;
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const timeout = new Promise<never>((resolve, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      reject(new Error(`warming up ${what} on port ${server.port} took over ${timeoutMs} ms (${answered} of ${files.length} files answered)`));
    }, timeoutMs);
  });
  try {
    for (let attempt = 1; attempt <= attempts && pending.length > 0 && !timedOut; attempt++) {
      if (attempt > 1) await Promise.race([new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS * 2 ** (attempt - 2))), timeout]);
      const current = http2.connect(`https://127.0.0.1:${server.port}`, { rejectUnauthorized: false, settings: { enablePush: false } });
      session = current;
      let sessionError: string | undefined;
      current.on('error', (error) => (sessionError ??= error.message));
      current.on('stream', (pushed) => {
        pushed.on('error', () => {});
        pushed.close(http2.constants.NGHTTP2_REFUSED_STREAM);
      });
      failures.clear();
      await Promise.race([Promise.all(pending.map((urlPath) => requestOnce(current, urlPath).then((failure) => {
        if (failure === undefined) answered += 1;
        else failures.set(urlPath, sessionError ?? failure);
      }))), timeout]);
      pending = pending.filter((urlPath) => failures.has(urlPath));
      if (pending.length > 0) current.destroy();
      else current.close();
    }
  } finally {
    clearTimeout(timer);
    // A hung server's streams never end: its session is destroyed rather than waited for.
    if (session && !session.closed) session.destroy();
  }
  if (pending.length > 0) {
    const shown = [...failures].slice(0, 3).map(([urlPath, reason]) => `${urlPath}: ${reason}`).join('; ');
    throw new Error(
      `warming up ${what} on port ${server.port} failed after ${attempts} attempt${attempts === 1 ? '' : 's'} (${answered} of ${files.length} files answered; ${shown}${failures.size > 3 ? `; ${failures.size - 3} more` : ''})`,
    );
  }
}

/** One GET read to its end: undefined when it ended with a status below 500, else why not. */
function requestOnce(session: http2.ClientHttp2Session, urlPath: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    let status: number | undefined;
    let ended = false;
    let error: string | undefined;
    const stream = session.request({ ':path': urlPath, 'accept-encoding': 'gzip, deflate, br' });
    stream.on('response', (headers) => (status = Number(headers[':status'])));
    stream.on('data', () => {});
    stream.on('end', () => (ended = true));
    stream.on('error', (cause: Error) => (error ??= cause.message));
    stream.on('close', () => {
      if (ended && status !== undefined && status < 500) resolve(undefined);
      else if (status !== undefined && status >= 500) resolve(`status ${status}`);
      else resolve(error ?? `stream closed before its end (code ${stream.rstCode ?? 'none'})`);
    });
  });
}
