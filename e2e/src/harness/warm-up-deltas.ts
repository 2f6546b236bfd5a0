import http2 from 'node:http2';
import { gunzipSync } from 'node:zlib';
import type { RunningServer } from '@cache-digest/server';
import { encodeDigest, formatCacheDigestHeader, PUSH_STREAM_CONTENT_TYPE, PushStreamReader } from '@cache-digest/shared';
import type { BuiltSite } from './build-demo-site.ts';

/** What {@link warmUpDeltas} did: push streams read, and the delta parts in them (each pair made once, then kept). */
export interface DeltaWarmUp {
  streams: number;
  deltas: number;
}

/**
 * Asks a stream-mode server started with previous builds for each page of
 * `site` as a returning visitor would after each deploy, so the first
 * measured visit after a deploy does not wait while its delta parts are made
 * (the server makes each (asset, base) pair once and keeps it): one push
 * stream per page and per cache the visitor may hold, with that cache's
 * digest: each earlier build alone, and the earlier builds together up to
 * each one (a visitor who saw every deploy). `earlier`: oldest first. Every
 * stream is read to its end; a stream that fails fails the warm-up, naming
 * the page and server (`what`).
 */
export async function warmUpDeltas(server: RunningServer, site: BuiltSite, earlier: readonly BuiltSite[], options: { what?: string } = {}): Promise<DeltaWarmUp> {
  const origin = `https://127.0.0.1:${server.port}`;
  const holdings = new Map<string, string[]>();
  const hold = (paths: Iterable<string>): void => {
    const sorted = [...new Set(paths)].sort();
    holdings.set(sorted.join('\n'), sorted);
  };
  earlier.forEach((build, index) => {
    hold(build.files.keys());
    hold(earlier.slice(0, index + 1).flatMap((one) => [...one.files.keys()]));
  });
  const pages = [...site.files.keys()].filter((urlPath) => urlPath.endsWith('.html'));
  const result: DeltaWarmUp = { streams: 0, deltas: 0 };
  if (holdings.size === 0 || pages.length === 0) return result;
  const session = http2.connect(origin, { rejectUnauthorized: false, settings: { enablePush: false } });
  session.on('error', () => {});
  try {
    for (const held of holdings.values()) {
      const digest = formatCacheDigestHeader([{ digest: encodeDigest(held.map((urlPath) => `${origin}${urlPath}`)), complete: true }]);
      // One holding at a time, its pages together: a pair two pages share is made once either way.
      const counts = await Promise.all(pages.map((page) => streamDeltas(session, page, digest).catch((error: Error) => {
        throw new Error(`warming up the delta parts of ${options.what ?? 'the server'} on port ${server.port}: ${page}: ${error.message}`);
      })));
      for (const count of counts) {
        if (count === undefined) continue;
        result.streams += 1;
        result.deltas += count;
      }
    }
  } finally {
    session.close();
  }
  return result;
}

/** The page's response read to its end: the delta parts in it, or undefined when it was not a push stream. */
function streamDeltas(session: http2.ClientHttp2Session, page: string, digest: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':path': page, 'accept-push-stream': '1', 'cache-digest': digest, 'accept-encoding': 'gzip' });
    let headers: http2.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on('response', (response) => (headers = response));
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('error', reject);
    stream.on('end', () => {
      const status = Number(headers[':status']);
      if (!(status < 400)) return reject(new Error(`status ${headers[':status'] ?? 'none'}`));
      if (headers['content-type'] !== PUSH_STREAM_CONTENT_TYPE) return resolve(undefined);
      try {
        const wire = Buffer.concat(chunks);
        const reader = new PushStreamReader();
        const events = [...reader.push(headers['content-encoding'] === 'gzip' ? gunzipSync(wire) : wire), ...reader.close()];
        resolve(events.filter((event) => event.type === 'head' && event.role === 'asset' && event.deltaBase !== undefined).length);
      } catch (error) {
        reject(error);
      }
    });
  });
}
