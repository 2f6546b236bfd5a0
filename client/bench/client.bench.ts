// npm run bench:client — in real Chromium, the time to build a navigation's
// Cache-Digest header from the worker's in-memory index for 100, 1,000 and
// 10,000 cached entries (median of several runs). Target: < 2 ms at 1,000.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Rollup } from 'vite';
import { launchChromium } from '../test-support/launch-chromium.ts';

const SIZES = [100, 1000, 10_000];
const RUNS = 9;
const TARGET_MS_AT_1000 = 2;
const entry = fileURLToPath(new URL('./digest-build.entry.ts', import.meta.url));
const resultsFile = path.resolve('bench/results/client.json');

const output = (await build({
  configFile: false,
  logLevel: 'silent',
  publicDir: false,
  build: { write: false, minify: true, lib: { entry, formats: ['iife'], name: 'bench', fileName: () => 'bench.js' } },
})) as Rollup.RollupOutput[] | Rollup.RollupOutput;
const chunk = (Array.isArray(output) ? output : [output]).flatMap((o) => o.output).find((file) => file.type === 'chunk')!;

const browser = await launchChromium();
try {
  const page = await browser.context.newPage();
  await page.goto('about:blank');
  await page.addScriptTag({ content: (chunk as Rollup.OutputChunk).code });
  const version = browser.context.browser()?.version() ?? (await page.evaluate(() => navigator.userAgent));
  interface Row {
    entries: number;
    buildMs: number;
    runsMs: number[];
    insertMsPerEntry: number;
    headerChars: number;
    fresh: number;
    stale: number;
  }
  const rows: Row[] = [];
  for (const n of SIZES) {
    const result = await page.evaluate(
      ([count, runs]) => (globalThis as unknown as { benchDigestBuild: (n: number, r: number) => unknown }).benchDigestBuild(count!, runs!),
      [n, RUNS],
    );
    rows.push({ entries: n, ...(result as Omit<Row, 'entries'>) });
  }
  console.log(`Digest build from the index in Chromium (${version}), median of ${RUNS} runs`);
  console.table(
    rows.map((row) => ({
      entries: row.entries,
      'build ms (median)': Number(row.buildMs.toFixed(4)),
      'insert µs/entry': Number((row.insertMsPerEntry * 1000).toFixed(2)),
      'header chars': row.headerChars,
      fresh: row.fresh,
      stale: row.stale,
    })),
  );
  const at1000 = rows.find((row) => row.entries === 1000)!.buildMs;
  console.log(`1,000 entries: ${at1000.toFixed(4)} ms (target < ${TARGET_MS_AT_1000} ms): ${at1000 < TARGET_MS_AT_1000 ? 'met' : 'MISSED'}`);
  await mkdir(path.dirname(resultsFile), { recursive: true });
  await writeFile(
    resultsFile,
    `${JSON.stringify({ benchmark: 'client digest build', browser: version, runs: RUNS, targetMsAt1000: TARGET_MS_AT_1000, date: new Date().toISOString(), rows }, null, 2)}\n`,
  );
  console.log(`wrote ${path.relative(process.cwd(), resultsFile)}`);
} finally {
  await browser.close();
}
