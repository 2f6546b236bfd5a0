// `npm run bench:stream-compression`: what gzip-encoded push streams save on the
// wire, and what they cost the server. The demo is built twice (as deployed, and
// after the deploy that changes the deepest JS module); two push streams are
// measured: every asset missing (a first visit), and the JS deploy (a client
// holding the previous build's assets: only the renamed JS chunks travel). For
// each: identity vs wire bytes of the text assets' bodies (from the pieces the
// server sends) and of the whole stream as received, and the server's CPU per
// stream request, compression on vs off, in one run. The server is the real CLI
// (`cache-digest serve --mode stream --stream-compression on|off`) in a child
// process; its CPU is read from /proc (Linux), the two servers running at once
// and their request batches alternating. A third stream is the JS deploy with
// delta parts (the server also given the previous build, `--previous v1`): the
// changed modules travel as deltas against the v1 files the client holds; their
// text wire bytes are the delta bytes as sent. Prints a table and writes
// bench/results/stream-compression.json.
//   REQUESTS=60 npm run bench:stream-compression (the default; CPU is read in 10 ms ticks)
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http2 from 'node:http2';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gunzipSync, gzipSync, inflateRawSync } from 'node:zlib';
import { encodeDigest, formatCacheDigestHeader, PushStreamReader, type PushStreamEvent } from '@cache-digest/shared';
import { buildDemoSite, type BuiltSite } from '../../e2e/src/harness/build-demo-site.ts';
import { StreamPieceCache } from '../src/adapters/stream-pieces.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const RESULTS = path.join(REPO, 'bench', 'results', 'stream-compression.json');
const REQUESTS = Number(process.env.REQUESTS ?? 60);
const TEXT = /^(text\/|application\/(javascript|json|xml|manifest\+json)|image\/svg\+xml)/;
const TICKS = 100; // USER_HZ on Linux

interface Server {
  origin: string;
  child: ChildProcess;
}

async function serve(root: string, compression: 'on' | 'off', extra: readonly string[]): Promise<Server> {
  const child = spawn(
    process.execPath,
    ['--import', path.join(REPO, 'scripts', 'dev-loader.mjs'), path.join(REPO, 'server', 'bin', 'cache-digest.mjs'), 'serve', root, '--port', '0', '--mode', 'stream', '--log', 'none', '--no-client', '--stream-compression', compression, ...extra],
    { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const origin = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      text += chunk;
      const url = / at (https:\/\/\S+?)\/? /.exec(text)?.[1];
      if (url) resolve(url.replace(/\/$/, ''));
    });
    child.once('exit', (code) => reject(new Error(`serve exited (${code}): ${text}`)));
  });
  return { origin, child };
}

/** utime + stime of a process, ms. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS;
}

async function get(session: http2.ClientHttp2Session, headers: Record<string, string>): Promise<{ headers: http2.IncomingHttpHeaders; body: Buffer }> {
  const stream = session.request({ ':path': '/', 'accept-push-stream': '1', ...headers });
  const chunks: Buffer[] = [];
  const response = await new Promise<http2.IncomingHttpHeaders>((resolve, reject) => stream.once('response', resolve).once('error', reject));
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  await new Promise((resolve) => stream.once('end', resolve));
  return { headers: response, body: Buffer.concat(chunks) };
}

interface Row {
  scenario: string;
  assets: number;
  textIdentityBytes: number;
  textWireBytes: number;
  textRatio: number;
  /** For reference: the same text files each gzip -9 alone (as a static server's .gz), and each brotli 11 alone. */
  textGzipAloneBytes: number;
  textBrotliAloneBytes: number;
  streamIdentityBytes: number;
  streamWireBytes: number;
  streamRatio: number;
  cpuMsPerRequestIdentity: number;
  cpuMsPerRequestGzip: number;
  /** Asset parts sent as deltas, and the HEAD frames' JSON bytes before compression. */
  deltaParts: number;
  headBytes: number;
}

/** Asset bodies (URL -> bytes and content type) a decoded stream carries; a delta part's bytes as sent, with its base and decoded size. */
function assetsOf(body: Uint8Array): { assets: Map<string, { type: string; etag: string; bytes: Buffer; deltaBase?: string; size: number }>; headBytes: number } {
  const reader = new PushStreamReader();
  const events: PushStreamEvent[] = [...reader.push(body), ...reader.close()];
  const heads = new Map<number, { url: string; type: string; etag: string; deltaBase?: string; size: number }>();
  const out = new Map<string, { type: string; etag: string; bytes: Buffer; deltaBase?: string; size: number }>();
  let headBytes = 0;
  for (const event of events) {
    if (event.type === 'head') {
      headBytes += Buffer.byteLength(JSON.stringify({ url: event.url, status: event.status, headers: event.headers, role: event.role, ...(event.deltaBase ? { 'delta-base': event.deltaBase } : {}) }));
    }
    if (event.type === 'head' && event.role === 'asset' && event.status === 200) {
      heads.set(event.part, { url: event.url, type: event.headers['content-type'] ?? '', etag: event.headers.etag ?? '', ...(event.deltaBase ? { deltaBase: event.deltaBase } : {}), size: Number(event.headers['content-length']) });
    }
    if (event.type === 'data' && heads.has(event.part)) {
      const { url, ...head } = heads.get(event.part)!;
      const previous = out.get(url)?.bytes ?? Buffer.alloc(0);
      out.set(url, { ...head, bytes: Buffer.concat([previous, event.bytes]) });
    }
  }
  return { assets: out, headBytes };
}

async function measure(scenario: string, site: BuiltSite, headersFor: (origin: string) => Record<string, string>, previous?: BuiltSite): Promise<Row> {
  const row: Partial<Row> = { scenario };
  const codings = ['off', 'on'] as const;
  // Both servers run at once and their batches alternate, so load on the machine weighs on both alike.
  const servers = await Promise.all(codings.map((compression) => serve(site.dir, compression, previous ? ['--previous', previous.dir] : ['--delta-parts', 'off'])));
  const sessions = servers.map((server) => http2.connect(server.origin, { rejectUnauthorized: false }).on('error', () => {}));
  const requests = servers.map((server, i) => ({ ...headersFor(server.origin), ...(codings[i] === 'on' ? { 'accept-encoding': 'gzip, deflate, br' } : {}) }));
  try {
    // Warm-up: files read, pieces compressed once (not counted).
    const last = await Promise.all(codings.map(async (_, i) => {
      let result = await get(sessions[i]!, requests[i]!);
      for (let n = 0; n < 3; n++) result = await get(sessions[i]!, requests[i]!);
      return result;
    }));
    const cpu = [0, 0];
    const batch = 10;
    for (let done = 0; done < REQUESTS; done += batch) {
      for (let i = 0; i < codings.length; i++) {
        const before = cpuMs(servers[i]!.child.pid!);
        for (let n = 0; n < batch; n++) await get(sessions[i]!, requests[i]!);
        cpu[i]! += cpuMs(servers[i]!.child.pid!) - before;
      }
    }
    const rounds = Math.ceil(REQUESTS / batch) * batch;
    for (let i = 0; i < codings.length; i++) {
      const compression = codings[i]!;
      const result = last[i]!;
      const perRequest = cpu[i]! / rounds;
      const identity = compression === 'on' ? gunzipSync(result.body, { finishFlush: constants.Z_SYNC_FLUSH }) : result.body;
      if (compression === 'on' && result.headers['content-encoding'] !== 'gzip') throw new Error('the stream was not gzip-encoded');
      if (compression === 'off' && result.headers['content-encoding'] !== undefined) throw new Error('--stream-compression off sent an encoded stream');
      const { assets, headBytes } = assetsOf(identity);
      row.assets = assets.size;
      row.deltaParts = [...assets.values()].filter((asset) => asset.deltaBase).length;
      row.headBytes = headBytes;
      if (compression === 'off') {
        row.streamIdentityBytes = result.body.byteLength;
        row.cpuMsPerRequestIdentity = perRequest;
        continue;
      }
      row.streamWireBytes = result.body.byteLength;
      row.cpuMsPerRequestGzip = perRequest;
      // Text bodies on the wire: exactly the pieces the server splices in (deflated, or stored with 5 bytes per block).
      const pieces = new StreamPieceCache();
      let textIdentity = 0;
      let textWire = 0;
      let gzipAlone = 0;
      let brotliAlone = 0;
      for (const [url, asset] of assets) {
        if (!TEXT.test(asset.type)) continue;
        textIdentity += asset.size;
        if (asset.deltaBase) {
          // Sent as is, in stored blocks of at most 16 KiB (5 bytes each); the files alone are the decoded bodies.
          textWire += asset.bytes.byteLength + 5 * Math.ceil(asset.bytes.byteLength / 16384);
          const decoded = inflateRawSync(asset.bytes, { dictionary: readFileSync(path.join(previous!.dir, asset.deltaBase)) });
          if (decoded.byteLength !== asset.size || !decoded.equals(readFileSync(path.join(site.dir, url)))) throw new Error(`delta part ${url} does not decode to the file`);
          gzipAlone += gzipSync(decoded, { level: 9 }).byteLength;
          brotliAlone += brotliCompressSync(decoded).byteLength;
          continue;
        }
        gzipAlone += gzipSync(asset.bytes, { level: 9 }).byteLength;
        brotliAlone += brotliCompressSync(asset.bytes).byteLength;
        for (const piece of await pieces.pieces(url, { 'content-type': asset.type, etag: asset.etag }, asset.bytes)) {
          textWire += piece.deflated?.byteLength ?? piece.length + 5 * Math.ceil(piece.length / 0xffff);
        }
      }
      row.textIdentityBytes = textIdentity;
      row.textWireBytes = textWire;
      row.textGzipAloneBytes = gzipAlone;
      row.textBrotliAloneBytes = brotliAlone;
    }
  } finally {
    for (const session of sessions) session.close();
    for (const server of servers) {
      server.child.kill('SIGTERM');
      await new Promise((resolve) => server.child.once('exit', resolve));
    }
  }
  row.textRatio = row.textWireBytes! / row.textIdentityBytes!;
  row.streamRatio = row.streamWireBytes! / row.streamIdentityBytes!;
  return row as Row;
}

const work = await mkdtemp(path.join(os.tmpdir(), 'cache-digest-bench-gzip-'));
try {
  const v1 = await buildDemoSite({ workDir: work, outDir: path.join(work, 'v1') });
  const vJs = await buildDemoSite({ workDir: work, outDir: path.join(work, 'v-js'), codeChanges: ['js'] });
  const loadBefore = os.loadavg();
  const rows: Row[] = [];
  rows.push(await measure('all assets missing (v1)', v1, () => ({})));
  // The client holds every file of v1 (a complete digest of their URLs); the JS deploy renamed the importers of the deepest module.
  const holdsV1 = (origin: string) => ({
    'cache-digest': formatCacheDigestHeader([{ digest: encodeDigest([...v1.files.keys()].map((url) => origin + url), { pBits: 16 }), complete: true }]),
  });
  rows.push(await measure('deploy-js (client holds v1)', vJs, holdsV1));
  // The same, the server also given v1's build: the changed modules go as deltas against the v1 files the client holds.
  rows.push(await measure('deploy-js, deltas against v1', vJs, holdsV1, v1));
  const loadAfter = os.loadavg();
  const pct = (ratio: number): string => `${(ratio * 100).toFixed(1)}%`;
  console.log('scenario                      assets  text identity  text wire (ratio)   stream identity  stream wire (ratio)   CPU/req identity  CPU/req gzip');
  for (const row of rows) {
    console.log(
      `${row.scenario.padEnd(30)}${String(row.assets).padStart(6)}  ${String(row.textIdentityBytes).padStart(13)}  ${`${row.textWireBytes} (${pct(row.textRatio)})`.padStart(18)}  ${String(row.streamIdentityBytes).padStart(15)}  ${`${row.streamWireBytes} (${pct(row.streamRatio)})`.padStart(19)}  ${`${row.cpuMsPerRequestIdentity.toFixed(2)} ms`.padStart(16)}  ${`${row.cpuMsPerRequestGzip.toFixed(2)} ms`.padStart(12)}`,
    );
  }
  for (const row of rows) console.log(`${row.scenario}: ${row.deltaParts} delta parts; HEAD JSON ${row.headBytes} B identity (deflated per request against the previous HEAD)`);
  for (const row of rows) {
    console.log(`${row.scenario}: text files alone, for reference: gzip -9 ${row.textGzipAloneBytes} (${pct(row.textGzipAloneBytes / row.textIdentityBytes)}), brotli 11 ${row.textBrotliAloneBytes} (${pct(row.textBrotliAloneBytes / row.textIdentityBytes)})`);
  }
  console.log(`load average before/after: ${loadBefore.map((x) => x.toFixed(1)).join(' ')} / ${loadAfter.map((x) => x.toFixed(1)).join(' ')}; ${os.cpus().length} cores; ${REQUESTS} requests per figure`);
  mkdirSync(path.dirname(RESULTS), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify({ date: new Date().toISOString(), requests: REQUESTS, cores: os.cpus().length, loadAverageBefore: loadBefore, loadAverageAfter: loadAfter, rows }, null, 2)}\n`);
  console.log(`wrote ${path.relative(REPO, RESULTS)}`);
} finally {
  await rm(work, { recursive: true, force: true });
}
