#!/usr/bin/env node
// `npm start`: build the demo site (vite build, with the client's plugin) and
// serve it with `cache-digest serve` at https://localhost:8443/, then print a
// command that opens it in Chromium with the development certificate trusted.
//   PORT=9443 npm start      another port
//   npm start -- --mode hints   any `cache-digest serve` option is passed through
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const demoDist = path.join(repoRoot, 'e2e', 'demo', 'dist');
const port = process.env.PORT ?? '8443';
const extraArgs = process.argv.slice(2);

console.log('Building the demo site (vite build)…');
const { build } = await import('vite');
await build({ configFile: path.join(repoRoot, 'vite.config.ts'), logLevel: 'warn' });

// The CLI runs in a child process so that Ctrl-C reaches it and it closes cleanly.
const server = spawn(
  process.execPath,
  ['--import', path.join(repoRoot, 'scripts', 'dev-loader.mjs'), path.join(repoRoot, 'server', 'bin', 'cache-digest.mjs'), 'serve', demoDist, '--port', port, '--host', '127.0.0.1', ...extraArgs],
  { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] },
);

const url = `https://localhost:${port}/`;
let pending = ''; // output until the spki line shows up
let printed = false;
server.stdout.setEncoding('utf8');
server.stdout.on('data', (text) => {
  process.stdout.write(text);
  if (printed) return;
  pending = (pending + text).slice(-8192);
  const spki = /^spki: (\S+)$/m.exec(pending)?.[1];
  if (spki) {
    printed = true;
    printInstructions(spki);
  }
});

function printInstructions(spki) {
  console.log(`
  Demo:  ${url}
  spki:  ${spki}

  Open it in Chromium with the development certificate trusted (paste this):

    chromium --user-data-dir="$(mktemp -d)" --ignore-certificate-errors-spki-list=${spki} ${url}

  (Chromium only honours the SPKI list together with --user-data-dir.) Load the page,
  then reload it or open the Gallery: the report on the page shows what your Service
  Worker's digest said and what the server sent with the page. Ctrl-C stops the server.
`);
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => server.kill(signal));
}
server.on('exit', (code, signal) => {
  process.exitCode = code ?? (signal ? 0 : 1);
});
