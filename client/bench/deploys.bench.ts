// `npm run bench:deploys`: thirty deploys of a two-page site with a visit
// after each, in real Chromium (the test client/src/sw/prune-deploys.chromium.test.ts,
// which asserts the bounds), recording after each visit the worker's Cache
// Storage entries and bytes and the digest the next navigation carries.
// Writes bench/results/deploys.json and deploys.svg.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface Point {
  deploy: number;
  entries: number;
  bytes: number;
  digestChars: number;
  digestEntries: number;
  sent: number;
  siteEntries: number;
  siteBytes: number;
  everDelivered: number;
  everDeliveredBytes: number;
}

const repo = fileURLToPath(new URL('../../', import.meta.url));
const resultsDir = path.join(repo, 'bench', 'results');
const work = await mkdtemp(path.join(tmpdir(), 'cache-digest-deploys-bench-'));
const out = path.join(work, 'series.json');
const run = spawnSync('npx', ['vitest', 'run', 'client/src/sw/prune-deploys.chromium.test.ts'], {
  cwd: repo,
  stdio: 'inherit',
  env: { ...process.env, CACHE_DIGEST_DEPLOYS_OUT: out },
});
if (run.status !== 0) throw new Error('the 30-deploy test failed');
const series = JSON.parse(await readFile(out, 'utf8')) as Point[];
await rm(work, { recursive: true, force: true });

console.log('deploy  entries  site  bytes     site-bytes  digest-chars  digest-entries  sent  without-pruning(entries/bytes)');
for (const p of series) {
  console.log(
    `${String(p.deploy).padStart(6)}  ${String(p.entries).padStart(7)}  ${String(p.siteEntries).padStart(4)}  ${String(p.bytes).padStart(8)}  ${String(p.siteBytes).padStart(10)}  ${String(p.digestChars).padStart(12)}  ${String(p.digestEntries).padStart(14)}  ${String(p.sent).padStart(4)}  ${p.everDelivered}/${p.everDeliveredBytes}`,
  );
}
await writeFile(path.join(resultsDir, 'deploys.json'), `${JSON.stringify({ command: 'npm run bench:deploys', series }, null, 2)}\n`);
await writeFile(path.join(resultsDir, 'deploys.svg'), chart(series));
console.log('\nwrote bench/results/deploys.json and bench/results/deploys.svg');

/** Cache entries per deploy: the worker's (pruned), the current site's, and what an unpruned cache would hold. */
function chart(data: Point[]): string {
  const width = 760, height = 360, left = 60, right = 20, top = 50, bottom = 300;
  const max = Math.max(...data.map((p) => p.everDelivered), 10);
  const x = (deploy: number) => left + ((width - left - right) * (deploy - 1)) / Math.max(1, data.length - 1);
  const y = (value: number) => bottom - ((bottom - top) * value) / max;
  const line = (values: number[], color: string, dash = '') =>
    `<polyline fill="none" stroke="${color}" stroke-width="2" ${dash ? `stroke-dasharray="${dash}"` : ''} points="${values.map((v, i) => `${x(data[i]!.deploy).toFixed(1)},${y(v).toFixed(1)}`).join(' ')}"/>`;
  const ticks = [0, Math.round(max / 2), max].map((v) => `<text x="${left - 6}" y="${y(v) + 3}" font-size="10" text-anchor="end">${v}</text><line x1="${left}" x2="${width - right}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/>`).join('');
  const xTicks = data.filter((p) => p.deploy === 1 || p.deploy % 5 === 0).map((p) => `<text x="${x(p.deploy)}" y="${bottom + 14}" font-size="10" text-anchor="middle">${p.deploy}</text>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="${left}" y="22" font-size="14">Worker cache entries after each deploy + visit (blue), current site (green, dashed), every URL delivered: never pruned (grey, computed)</text>
${ticks}${xTicks}
${line(data.map((p) => p.everDelivered), '#bab0ac')}
${line(data.map((p) => p.siteEntries), '#54a24b', '5 4')}
${line(data.map((p) => p.entries), '#4c78a8')}
<text x="${width / 2}" y="${height - 20}" font-size="11" text-anchor="middle">deploy (3 of 13 home-page assets change each time); digest ${data[0]?.digestChars}–${Math.max(...data.map((p) => p.digestChars))} chars throughout</text>
</svg>
`;
}
