#!/usr/bin/env node
// `npm test`: makes sure the real peers the tests drive are here (Chromium,
// nghttp/h2load, H2O), installing them when we are root on Debian, then
// type-checks and runs every test.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

const DEBIAN_PACKAGES = { chromium: 'chromium', nghttp: 'nghttp2-client', h2load: 'nghttp2-client', h2o: 'h2o', caddy: 'caddy', nginx: 'nginx' };
// Firefox and WebKit (Safari's engine) run the cross-engine worker tests, WebKit under Xvfb.
const ENGINE_PACKAGES = { 'firefox-esr': 'firefox-esr', WebKitWebDriver: 'webkit2gtk-driver', 'xvfb-run': 'xvfb' };

function onPath(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function findChromium() {
  if (process.env.CHROMIUM_PATH && existsSync(process.env.CHROMIUM_PATH)) return process.env.CHROMIUM_PATH;
  for (const candidate of ['/usr/bin/chromium', '/usr/bin/chromium-browser']) if (existsSync(candidate)) return candidate;
  return undefined;
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  return result.status ?? 1;
}

const missing = new Set();
if (!findChromium()) missing.add(DEBIAN_PACKAGES.chromium);
// Caddy (HTTP/3) and nginx (TLS early data) are the edge recipe's proxies.
for (const tool of ['nghttp', 'h2load', 'h2o', 'caddy', 'nginx']) if (!onPath(tool)) missing.add(DEBIAN_PACKAGES[tool]);
for (const [tool, pkg] of Object.entries(ENGINE_PACKAGES)) if (!onPath(tool)) missing.add(pkg);

if (missing.size > 0) {
  const packages = [...missing];
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && onPath('apt-get')) {
    console.log(`npm test: installing ${packages.join(', ')} with apt-get`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    if (run('apt-get', ['update', '-qq'], { env }) !== 0 || run('apt-get', ['install', '-y', '-qq', ...packages], { env }) !== 0) {
      console.error('npm test: apt-get failed; install these and run again:', packages.join(' '));
      process.exit(1);
    }
  } else {
    console.error(`npm test needs: ${packages.join(', ')}.\nRun: sudo apt-get install -y ${packages.join(' ')}\n(or point CHROMIUM_PATH at a Chromium binary).`);
    process.exit(1);
  }
}

const chromium = findChromium();
const env = { ...process.env, CHROMIUM_PATH: chromium };
console.log(`npm test: Chromium at ${chromium}`);

if (run('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit'], { env }) !== 0) {
  console.error('npm test: type check failed');
  process.exit(1);
}
// The JSON report lets us close with one plain summary line that any CI reads.
const report = path.join('.cache', 'vitest-results.json');
rmSync(report, { force: true });
const status = run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)], { env });
if (existsSync(report)) {
  const { numPassedTests, numFailedTests, numPendingTests, numTodoTests } = JSON.parse(readFileSync(report, 'utf8'));
  console.log(`vitest: ${numPassedTests} passed, ${numFailedTests} failed, ${numPendingTests + numTodoTests} skipped`);
}
process.exit(status);
