// npm run bench:request-path [-- --requests 5000 --rounds 7]
//
// The kit's own share of a request on the node:http2 hot path, measured in
// one process and steady on a shared machine (process CPU time, median of
// rounds): answerFromTable over the file table and the core, with a stream
// stand-in whose respond/additionalHeaders/end do nothing, so what is left is
// ours (lookup, plan, decision, head, log line) and none of Node's HTTP/2 work.
// The same 12-asset page and 1,000-entry digests as bench:server; "distinct"
// is a new digest every request (the parsed-digest cache off), which adds
// reading the digest: decoding 1,000 Golomb-coded entries has no shortcut.
// Also the digest reading steps alone. Prints a table, writes
// bench/results/request-path.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { base64urlDecode, decodeDigest, encodeDigest, formatCacheDigestHeader } from '@cache-digest/shared';
import { hashKeyNode } from '@cache-digest/shared/node';
import { answerFromTable } from '../src/adapters/answer-from-table.ts';
import { CacheDigestCore, DEFAULT_MAX_DIGEST_ENTRIES } from '../src/core/cache-digest-core.ts';
import { DEFAULT_MAX_DIGEST_HEADER_LENGTH, readDigestHeader } from '../src/core/read-digest-header.ts';
import type { DeliveryMode } from '../src/core/types.ts';
import { buildManifest } from '../src/manifest/index.ts';
import { StaticSite } from '../src/static/index.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const RESULTS = path.join(REPO, 'bench', 'results', 'request-path.json');
const { values: flags } = parseArgs({ options: { requests: { type: 'string', default: '5000' }, rounds: { type: 'string', default: '7' } } });
const REQUESTS = Number(flags.requests);
const ROUNDS = Number(flags.rounds);
const ORIGIN = 'https://127.0.0.1:8443';

const work = await mkdtemp(path.join(tmpdir(), 'cache-digest-request-path-'));
try {
  const root = path.join(work, 'site');
  const write = async (name: string, bytes: string | Uint8Array) => {
    await mkdir(path.dirname(path.join(root, name)), { recursive: true });
    await writeFile(path.join(root, name), bytes);
  };
  const tags: string[] = [];
  for (let i = 0; i < 4; i++) {
    await write(`assets/style-${i}.css`, `.c${i} { color: red; }\n`.repeat(100));
    tags.push(`<link rel="stylesheet" href="/assets/style-${i}.css">`);
  }
  for (let i = 0; i < 4; i++) {
    await write(`assets/app-${i}.js`, `console.log(${i});\n`.repeat(250));
    tags.push(`<script type="module" src="/assets/app-${i}.js"></script>`);
  }
  for (let i = 0; i < 4; i++) {
    await write(`img/i-${i}.png`, new Uint8Array(8_000).map((_, j) => (j * (i + 7)) & 0xff));
    tags.push(`<img src="/img/i-${i}.png" alt="">`);
  }
  await write('index.html', `<!doctype html><html><head>${tags.join('\n')}</head><body>${'<p>text</p>\n'.repeat(200)}</body></html>\n`);
  const manifest = await buildManifest(root);

  // 64 different 1,000-entry digests, none holding the page's assets (all 12 are hinted).
  const digests: string[] = [];
  for (let k = 0; k < 64; k++) {
    const urls: string[] = [];
    for (let i = 0; urls.length < 1000; i++) urls.push(`${ORIGIN}/other/${k}-${i.toString(36)}.js`);
    digests.push(formatCacheDigestHeader([{ digest: encodeDigest(urls, { hash: hashKeyNode }), complete: true }]));
  }
  const stream = {
    destroyed: false,
    headersSent: false,
    pushAllowed: false,
    session: { remoteSettings: { enablePush: false } },
    respond() {},
    additionalHeaders() {},
    end() {},
  } as unknown as ServerHttp2Stream;
  let lines = 0;
  const kit = (mode: DeliveryMode, digestCacheSize?: number) => {
    const site = new StaticSite({ root });
    const core = new CacheDigestCore({ pages: manifest.pages, mode, hash: hashKeyNode, log: () => lines++, ...(digestCacheSize === undefined ? {} : { digestCacheSize }) });
    return { site, answer: answerFromTable({ site, core }) };
  };
  const kits = { off: kit('off'), hints: kit('hints'), distinct: kit('hints', 0) };
  const describe = async () => {
    for (const { site } of Object.values(kits)) {
      await site.handle({ method: 'GET', path: '/', headers: {} });
      await site.handle({ method: 'GET', path: '/assets/style-1.css', headers: {} });
    }
  };
  const request = (requestPath: string, extra: IncomingHttpHeaders): IncomingHttpHeaders => ({ ':method': 'GET', ':path': requestPath, ':authority': '127.0.0.1:8443', ':scheme': 'https', ...extra });
  const samePage = request('/', { 'cache-digest': digests[0]! });
  const pages = digests.map((digest) => request('/', { 'cache-digest': digest }));
  const asset = request('/assets/style-1.css', { 'accept-encoding': 'identity' });
  const digestValues = digests.map((digest) => digest.split(';')[0]!.trim());
  const digestBytes = digestValues.map((value) => base64urlDecode(value));

  const cases: { name: string; run: (i: number) => unknown }[] = [
    { name: 'page, off', run: () => kits.off.answer(stream, samePage) },
    { name: 'page, hints, same digest', run: () => kits.hints.answer(stream, samePage) },
    { name: 'page, hints, distinct digests', run: (i) => kits.distinct.answer(stream, pages[i & 63]!) },
    { name: 'asset', run: () => kits.hints.answer(stream, asset) },
    { name: 'digest: base64url decode', run: (i) => base64urlDecode(digestValues[i & 63]!) },
    { name: 'digest: decode 1,000 entries', run: (i) => decodeDigest(digestBytes[i & 63]!) },
    { name: 'digest: whole header read', run: (i) => readDigestHeader(digests[i & 63], { maxLength: DEFAULT_MAX_DIGEST_HEADER_LENGTH, hash: hashKeyNode, maxEntries: DEFAULT_MAX_DIGEST_ENTRIES }) },
  ];
  const samples = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  for (let round = 0; round < ROUNDS + 1; round++) {
    for (const { name, run } of cases) {
      await describe();
      const before = process.cpuUsage();
      for (let i = 0; i < REQUESTS; i++) {
        if (run(i) !== false) continue;
        // A description is trusted for a second, and this loop does not yield to let it revalidate: it waits here then.
        await describe();
        if (run(i) === false) throw new Error(`${name}: not answered from the table`);
      }
      const used = process.cpuUsage(before);
      if (round > 0) samples.get(name)!.push((used.user + used.system) / REQUESTS); // round 0 warms up
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
  const rows = cases.map(({ name }) => ({ name, cpuMicrosPerRequest: median(samples.get(name)!) }));
  console.log(`${REQUESTS} requests x ${ROUNDS} rounds, median process CPU per request (node ${process.version})\n`);
  for (const row of rows) console.log(`${row.name.padEnd(32)} ${row.cpuMicrosPerRequest.toFixed(2).padStart(7)} µs`);
  mkdirSync(path.dirname(RESULTS), { recursive: true });
  writeFileSync(
    RESULTS,
    JSON.stringify({ date: new Date().toISOString(), command: `npm run bench:request-path -- --requests ${REQUESTS} --rounds ${ROUNDS}`, node: process.version, logLines: lines, rows }, null, 2) + '\n',
  );
  console.log(`\nwrote ${path.relative(REPO, RESULTS)}`);
} finally {
  await rm(work, { recursive: true, force: true });
}
