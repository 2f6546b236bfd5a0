// Test support: real HTTP/2 clients (Node's http2.connect and nghttp) that
// report pushes, informational responses and event order.
import http2 from 'node:http2';
import { spawn } from 'node:child_process';

/** A pushed response as a client saw it. */
export interface ReceivedPush {
  path: string;
  headers: http2.IncomingHttpHeaders;
  body: Buffer;
}

/** One page request's result from {@link h2Get}. */
export interface H2Result {
  status: number;
  headers: http2.IncomingHttpHeaders;
  body: Buffer;
  /** Informational (1xx) header blocks, e.g. 103 Early Hints. */
  informational: http2.IncomingHttpHeaders[];
  pushes: ReceivedPush[];
  /** What arrived, in order: `promise:/path`, `push-end:/path`, `103`, `page-head`, `page-end`. */
  events: string[];
}

/** Requests `path` over one HTTP/2 session (a new one unless given) with Node's client. */
export async function h2Get(
  origin: string,
  path: string,
  options: { headers?: Record<string, string>; enablePush?: boolean; maxConcurrentStreams?: number; ca?: string; session?: http2.ClientHttp2Session } = {},
): Promise<H2Result> {
  const session =
    options.session ??
    http2.connect(origin, {
      ...(options.ca ? { ca: options.ca } : { rejectUnauthorized: false }),
      settings: { enablePush: options.enablePush ?? true, ...(options.maxConcurrentStreams ? { maxConcurrentStreams: options.maxConcurrentStreams } : {}) },
    });
  if (!options.session) session.on('error', () => {});
  const events: string[] = [];
  const pushes: Promise<ReceivedPush>[] = [];
  const onStream = (pushed: http2.ClientHttp2Stream, requestHeaders: http2.IncomingHttpHeaders) => {
    const pushPath = String(requestHeaders[':path']);
    events.push(`promise:${pushPath}`);
    pushes.push(
      new Promise((resolve) => {
        const chunks: Buffer[] = [];
        let headers: http2.IncomingHttpHeaders = {};
        pushed.on('push', (h) => (headers = h));
        pushed.on('data', (chunk: Buffer) => chunks.push(chunk));
        const done = () => {
          events.push(`push-end:${pushPath}`);
          resolve({ path: pushPath, headers, body: Buffer.concat(chunks) });
        };
        pushed.on('end', done);
        pushed.on('error', done);
        pushed.on('close', () => resolve({ path: pushPath, headers, body: Buffer.concat(chunks) }));
      }),
    );
  };
  session.on('stream', onStream);
  try {
    const req = session.request({ ':path': path, ...options.headers });
    const informational: http2.IncomingHttpHeaders[] = [];
    req.on('headers', (headers) => {
      informational.push(headers);
      events.push(String(headers[':status']));
    });
    const { status, headers, body } = await new Promise<{ status: number; headers: http2.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      let headers: http2.IncomingHttpHeaders = {};
      const chunks: Buffer[] = [];
      req.on('response', (h) => {
        headers = h;
        events.push('page-head');
      });
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        events.push('page-end');
        resolve({ status: Number(headers[':status']), headers, body: Buffer.concat(chunks) });
      });
      req.on('error', reject);
      req.end();
    });
    return { status, headers, body, informational, pushes: await Promise.all(pushes), events };
  } finally {
    session.off('stream', onStream);
    if (!options.session) session.close();
  }
}

/** Runs `nghttp -nv` (optionally `--no-push`) and returns the promised paths and the response headers it printed. */
export async function nghttpGet(
  url: string,
  options: { headers?: Record<string, string>; noPush?: boolean; args?: string[] } = {},
): Promise<{ pushedPaths: string[]; output: string; code: number | null }> {
  const args = ['-nv', ...(options.noPush ? ['--no-push'] : []), ...(options.args ?? [])];
  for (const [name, value] of Object.entries(options.headers ?? {})) args.push('-H', `${name}: ${value}`);
  args.push(url);
  const child = spawn('nghttp', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  return { pushedPaths: parsePushPromises(output), output, code };
}

/**
 * The `:path` of every PUSH_PROMISE frame `nghttp -v` printed as received
 * (nghttp prints a frame's header fields before the frame line).
 */
export function parsePushPromises(output: string): string[] {
  const paths: string[] = [];
  let pendingPath: string | undefined;
  for (const line of output.split('\n')) {
    const field = /recv \(stream_id=\d+\) :path: (.*)$/.exec(line);
    if (field) pendingPath = field[1]!.trim();
    else if (/recv PUSH_PROMISE frame/.test(line)) {
      if (pendingPath !== undefined) paths.push(pendingPath);
      pendingPath = undefined;
    } else if (/recv HEADERS frame/.test(line)) pendingPath = undefined;
  }
  return paths;
}
