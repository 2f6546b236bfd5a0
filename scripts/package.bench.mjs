#!/usr/bin/env node
// `npm run bench:package`: what a user installs and how fast it starts.
// Packs the three packages (their prepack builds them), installs them into a
// fresh project outside the repository, then measures:
// - installed size of @cache-digest/server with all its dependencies (du);
// - `cache-digest serve` from process start to its `spki:` line (listening),
//   installed (compiled JS, prebuilt client scripts) against the repository
//   sources (tsx compiling on load and Vite bundling the client scripts at
//   start, which is how every start worked before the packages were built);
// - the shipped Service Worker and loader, raw, gzip and brotli.
// Prints a table and writes bench/results/packaging.json.
//   RUNS=9 npm run bench:package
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const repo = fileURLToPath(new URL('..', import.meta.url));
const runs = Number(process.env.RUNS ?? 5);
const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));
const work = mkdtempSync(path.join(tmpdir(), 'cache-digest-bench-package-'));
const site = path.join(repo, 'server', 'test-fixtures', 'site');

try {
  const packed = path.join(work, 'tarballs');
  mkdirSync(packed);
  execFileSync('npm', ['pack', '-w', 'shared', '-w', 'client', '-w', 'server', '--pack-destination', packed, '--silent'], { cwd: repo, env, stdio: ['ignore', 'ignore', 'inherit'] });
  const app = path.join(work, 'app');
  mkdirSync(app);
  const dependencies = Object.fromEntries(readdirSync(packed).map((file) => [`@cache-digest/${/^cache-digest-(\w+)-/.exec(file)[1]}`, `file:${path.join(packed, file)}`]));
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'bench-app', private: true, type: 'module', dependencies }));
  execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: app, env, stdio: 'inherit' });
  const installedKb = Number(execFileSync('du', ['-sk', path.join(app, 'node_modules')], { encoding: 'utf8' }).split('\t')[0]);
  const installedPackages = execFileSync('npm', ['ls', '--all', '--parseable'], { cwd: app, env, encoding: 'utf8' }).trim().split('\n').length - 1;

  const installed = [path.join(app, 'node_modules', '@cache-digest', 'server', 'bin', 'cache-digest.mjs')];
  const sources = ['--import', path.join(repo, 'scripts', 'dev-loader.mjs'), path.join(repo, 'server', 'bin', 'cache-digest.mjs')];
  const cwd = path.join(work, 'cwd'); // where .dev-certs lands: made by the first (unmeasured) start
  mkdirSync(cwd);
  await startTime(installed, cwd);
  const start = { installed: [], sources: [] };
  for (let i = 0; i < runs; i++) {
    // Interleaved, so a busy machine weighs on both alike.
    start.installed.push(await startTime(installed, cwd));
    start.sources.push(await startTime(sources, cwd));
  }

  const clientDist = path.join(app, 'node_modules', '@cache-digest', 'client', 'dist');
  const sizes = Object.fromEntries(
    ['cache-digest-sw.js', 'cache-digest.js'].map((file) => {
      const bytes = readFileSync(path.join(clientDist, file));
      return [file, { bytes: bytes.length, gzip: gzipSync(bytes).length, gzip9: gzipSync(bytes, { level: 9 }).length, brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length }];
    }),
  );

  const median = (list, key) => [...list.map((run) => run[key])].sort((a, b) => a - b)[Math.floor(list.length / 2)];
  const result = {
    date: new Date().toISOString(),
    node: process.version,
    runs,
    installed: { kilobytes: installedKb, packages: installedPackages },
    serveStartMs: {
      installed: { wallMedian: median(start.installed, 'wall'), cpuMedian: median(start.installed, 'cpu'), wall: start.installed.map((run) => run.wall) },
      sources: { wallMedian: median(start.sources, 'wall'), cpuMedian: median(start.sources, 'cpu'), wall: start.sources.map((run) => run.wall) },
    },
    clientScripts: sizes,
  };
  console.log(`\n@cache-digest/server installed: ${installedKb} KB on disk, ${installedPackages} packages\n`);
  console.log('cache-digest serve, start to listening (ms)   wall median   CPU median');
  for (const [label, key] of [['installed (compiled, prebuilt scripts)', 'installed'], ['repository sources (tsx + Vite at start)', 'sources']]) {
    console.log(`${label.padEnd(45)}${String(result.serveStartMs[key].wallMedian).padStart(11)}${String(result.serveStartMs[key].cpuMedian).padStart(13)}`);
  }
  console.log('\nshipped script           bytes    gzip  gzip -9  brotli');
  for (const [file, size] of Object.entries(sizes)) {
    console.log(`${file.padEnd(22)}${String(size.bytes).padStart(8)}${String(size.gzip).padStart(8)}${String(size.gzip9).padStart(9)}${String(size.brotli).padStart(8)}`);
  }
  const out = path.join(repo, 'bench', 'results', 'packaging.json');
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nwrote ${path.relative(repo, out)}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}

/** Starts `serve` on the fixture site; wall and CPU (user + system, from /proc) milliseconds until its `spki:` line. */
function startTime(command, cwd) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [...command, 'serve', site, '--port', '0'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (chunk) => (err += chunk));
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (!/^spki: /m.test(out)) return;
      const wall = Math.round(performance.now() - started);
      let cpu = null;
      try {
        const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
        cpu = Math.round(((Number(fields[11]) + Number(fields[12])) * 1000) / 100); // utime + stime, in clock ticks of 10 ms
      } catch {
        // not Linux: wall time only
      }
      child.kill('SIGTERM');
      child.on('exit', () => resolve({ wall, cpu }));
    });
    child.on('exit', (code) => {
      if (!/^spki: /m.test(out)) reject(new Error(`serve exited ${code} before listening:\n${out}${err}`));
    });
  });
}
