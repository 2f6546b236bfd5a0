// The packages as a user gets them: `npm pack` each workspace package (its
// prepack builds it), install the tarballs into a fresh project outside the
// repository (registry dependencies only, no workspace links), and use them
// there with plain node and npx: serve, import, the Vite plugin, the codec CLI.
// publint and arethetypeswrong check the same tarballs. @cache-digest/playwright
// runs the README's "Measure your site" Playwright test there.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeDigest, formatCacheDigestHeader } from '@cache-digest/shared';
import { h2Get } from '../server/src/adapters/test-support/test-clients.ts';
import { ensureDevCertificate } from '../server/src/tls/dev-certificate.ts';
import { startPlainStaticServer } from '../playwright/test-support/plain-static-server.ts';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const PACKAGES = ['shared', 'client', 'server', 'playwright'] as const;

// npm's own variables (set when this runs under `npm test`) must not leak
// into the nested npm commands, which would then act on the workspace.
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], options: { cwd: string; input?: string; env?: NodeJS.ProcessEnv; timeout?: number }): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      command,
      args,
      { cwd: options.cwd, env: options.env ?? cleanEnv, timeout: options.timeout ?? 300_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
    if (options.input !== undefined) child.stdin!.end(options.input);
  });
}

async function mustRun(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<string> {
  const result = await run(command, args, options);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

// A loader hook that fails any import of Vite: serving and importing must not need it.
const NO_VITE = `data:text/javascript,${encodeURIComponent(
  "import { register } from 'node:module';" +
    "register('data:text/javascript,' + encodeURIComponent(\"export function resolve(s, c, n) { if (s === 'vite' || s.startsWith('vite/')) throw new Error('vite was imported'); return n(s, c); }\"));",
)}`;

let work: string;
let app: string;
let tarballs: string[];
const children = new Set<ChildProcess>();

/** Starts the installed `npx cache-digest serve ...`; resolves at its `spki:` line, or with its exit. */
function serve(args: string[], env: NodeJS.ProcessEnv = cleanEnv, via: 'npx' | 'bin' = 'npx') {
  const [command, prefix] =
    via === 'npx'
      ? ['npx', ['--no-install', 'cache-digest']]
      : [process.execPath, [path.join(app, 'node_modules', '@cache-digest', 'server', 'bin', 'cache-digest.mjs')]];
  const child = spawn(command, [...prefix, 'serve', ...args], { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ready = new Promise<{ listening: boolean; code: number | null }>((resolve) => {
    child.stdout!.on('data', () => {
      if (/^spki: /m.test(stdout)) resolve({ listening: true, code: null });
    });
    void exited.then((code) => resolve({ listening: false, code }));
  });
  return {
    ready,
    output: () => ({ stdout, stderr }),
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
      children.delete(child);
    },
  };
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'cache-digest-packed-'));
  const packed = path.join(work, 'tarballs');
  await mkdir(packed);
  // The documented root command; each package's prepack builds its dist/.
  await mustRun('npm', ['pack', ...PACKAGES.flatMap((name) => ['-w', name]), '--pack-destination', packed], { cwd: REPO });
  tarballs = (await readdir(packed)).filter((name) => name.endsWith('.tgz')).map((name) => path.join(packed, name));

  app = path.join(work, 'app');
  await mkdir(app);
  const vite = JSON.parse(await readFile(path.join(REPO, 'node_modules', 'vite', 'package.json'), 'utf8')) as { version: string };
  const playwrightCore = JSON.parse(await readFile(path.join(REPO, 'node_modules', 'playwright-core', 'package.json'), 'utf8')) as { version: string };
  // The test runner the README's latency test is written for, at the repo's playwright-core version.
  const dependencies: Record<string, string> = { vite: vite.version, '@playwright/test': playwrightCore.version };
  for (const name of PACKAGES) dependencies[`@cache-digest/${name}`] = `file:${tarballs.find((file) => path.basename(file).startsWith(`cache-digest-${name}-`))}`;
  await writeFile(path.join(app, 'package.json'), JSON.stringify({ name: 'outside-app', private: true, type: 'module', dependencies }, null, 2));
  await mustRun('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: app,
    env: { ...cleanEnv, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' },
  });
}, 900_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the packed packages, installed outside the repository', () => {
  it('npm pack gives one tarball per package, with dist/, the prebuilt client scripts and no tests', async () => {
    expect(tarballs.map((file) => path.basename(file)).sort()).toEqual([
      'cache-digest-client-0.1.0.tgz',
      'cache-digest-playwright-0.1.0.tgz',
      'cache-digest-server-0.1.0.tgz',
      'cache-digest-shared-0.1.0.tgz',
    ]);
    const client = path.join(app, 'node_modules', '@cache-digest', 'client');
    const worker = await readFile(path.join(client, 'dist', 'cache-digest-sw.js'));
    expect(() => new vm.Script(worker.toString())).not.toThrow();
    expect(gzipSync(worker).length).toBeGreaterThan(1000);
    const listing = await run('find', ['.', '-name', '*.test.ts', '-o', '-name', 'test-support'], { cwd: path.join(app, 'node_modules', '@cache-digest') });
    expect(listing.stdout.trim()).toBe('');
    const server = JSON.parse(await readFile(path.join(app, 'node_modules', '@cache-digest', 'server', 'package.json'), 'utf8'));
    expect(Object.keys(server.dependencies)).not.toContain('tsx');
  });

  it('publint and arethetypeswrong pass on every package', async () => {
    // Six independent checks: run side by side.
    const lints = PACKAGES.map(async (name) => {
      const lint = await run('npx', ['--no-install', 'publint', '--strict', '--pack', 'false', path.join(app, 'node_modules', '@cache-digest', name)], { cwd: REPO });
      return [`publint ${name}`, lint] as const;
    });
    // ESM only; the two classic scripts are files to serve, not modules with types.
    const typeChecks = tarballs.map(async (tarball) => {
      const args = ['--no-install', 'attw', tarball, '--profile', 'esm-only', '--format', 'ascii', '--exclude-entrypoints', 'cache-digest.js', 'cache-digest-sw.js'];
      return [`attw ${path.basename(tarball)}`, await run('npx', args, { cwd: REPO })] as const;
    });
    for (const [label, result] of await Promise.all([...lints, ...typeChecks])) {
      expect(result.code, `${label}:\n${result.stdout}${result.stderr}`).toBe(0);
    }
  }, 300_000);

  it('prints AfdA for `printf "https://example.com/style.css\\n" | npx cache-digest encode`', async () => {
    const result = await run('npx', ['--no-install', 'cache-digest', 'encode'], { cwd: app, input: 'https://example.com/style.css\n' });
    expect(result).toMatchObject({ code: 0, stdout: 'AfdA\n' });
  }, 120_000);

  it('imports @cache-digest/server (and its /fastify entry, fastify not installed), /shared and /client/scripts in plain node, without loading Vite', async () => {
    const script = [
      "const server = await import('@cache-digest/server');",
      "const { cacheDigestFastify } = await import('@cache-digest/server/fastify');",
      "const shared = await import('@cache-digest/shared');",
      "const scripts = await import('@cache-digest/client/scripts');",
      'const files = await scripts.readClientScripts();',
      "console.log(JSON.stringify([typeof server.startServer, typeof server.cacheDigestMiddleware, typeof cacheDigestFastify, shared.base64urlEncode(shared.encodeDigest(['https://example.com/style.css'])), files.worker.length > 1000]));",
    ].join('\n');
    const result = await run(process.execPath, ['--import', NO_VITE, '--input-type=module', '-e', script], { cwd: app });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual(['function', 'function', 'function', 'AfdA', true]);
  }, 120_000);

  it('`npx cache-digest serve SITE` serves over HTTP/2 and pushes only the asset a digest lacks, without Vite', async () => {
    const site = path.join(work, 'site');
    await mkdir(site);
    await writeFile(path.join(site, 'index.html'), '<!doctype html><link rel="stylesheet" href="/style.css"><script src="/app.js" defer></script><h1>hi</h1>');
    await writeFile(path.join(site, 'style.css'), 'h1 { color: green }\n');
    await writeFile(path.join(site, 'app.js'), 'console.log("app");\n');
    const server = serve([site, '--port', '0', '--mode', 'push'], { ...cleanEnv, NODE_OPTIONS: `--import=${NO_VITE}` });
    const started = await server.ready;
    expect(started.listening, JSON.stringify(server.output())).toBe(true);
    const origin = /at (https:\/\/\S+?)\/? /.exec(server.output().stdout)![1]!;
    try {
      const cold = await h2Get(origin, '/');
      expect(cold.status).toBe(200);
      expect(cold.pushes.map((push) => push.path).sort()).toEqual(['/app.js', '/style.css']);
      const warm = await h2Get(origin, '/', { headers: { 'cache-digest': formatCacheDigestHeader([{ digest: encodeDigest([`${origin}/style.css`]) }]) } });
      expect(warm.status).toBe(200);
      expect(warm.pushes.map((push) => push.path)).toEqual(['/app.js']);
      // The Service Worker served from memory is the package's prebuilt file.
      const worker = await h2Get(origin, '/cache-digest-sw.js');
      expect(worker.body.equals(await readFile(path.join(app, 'node_modules', '@cache-digest', 'client', 'dist', 'cache-digest-sw.js')))).toBe(true);
    } finally {
      await server.stop();
    }
  }, 180_000);

  it('refuses a missing folder, a port in use and an unreadable certificate with one line on stderr', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const busyPort = String((blocker.address() as { port: number }).port);
    await writeFile(path.join(work, 'bad.pem'), 'not a certificate\n');
    const site = path.join(work, 'site');
    try {
      const cases: [string[], RegExp][] = [
        [[path.join(work, 'missing')], /is not a folder/],
        [[site, '--port', busyPort], /port .* in use/],
        [[site, '--port', '0', '--cert', path.join(work, 'nothing.pem'), '--key', path.join(work, 'nothing.pem')], /cannot read --cert/],
        [[site, '--port', '0', '--cert', path.join(work, 'bad.pem'), '--key', path.join(work, 'bad.pem')], /not a usable certificate/],
      ];
      for (const [args, message] of cases) {
        const server = serve(args, cleanEnv, 'bin');
        const outcome = await server.ready;
        const { stderr } = server.output();
        expect(outcome.listening, stderr).toBe(false);
        expect(outcome.code).not.toBe(0);
        expect(stderr).toMatch(message);
        expect(stderr.trim().split('\n'), stderr).toHaveLength(1);
        children.clear();
      }
    } finally {
      blocker.close();
    }
  }, 180_000);

  it('a fresh Vite app with cacheDigest() builds and emits the worker, the loader tag and push-manifest.json', async () => {
    const web = path.join(app, 'web');
    await mkdir(web);
    await writeFile(path.join(web, 'index.html'), '<!doctype html><html><head><title>t</title></head><body><script type="module" src="/main.js"></script></body></html>');
    await writeFile(path.join(web, 'main.js'), "import './style.css';\ndocument.body.append('hello');\n");
    await writeFile(path.join(web, 'style.css'), 'body { margin: 0 }\n');
    await writeFile(
      path.join(web, 'vite.config.js'),
      "import { cacheDigest } from '@cache-digest/client/vite';\nexport default { plugins: [cacheDigest()], logLevel: 'warn' };\n",
    );
    await mustRun('npx', ['--no-install', 'vite', 'build'], { cwd: web });
    const dist = path.join(web, 'dist');
    const html = await readFile(path.join(dist, 'index.html'), 'utf8');
    expect(html).toMatch(/<script src="\/cache-digest\.js" async><\/script>/);
    const worker = await readFile(path.join(dist, 'cache-digest-sw.js'), 'utf8');
    expect(() => new vm.Script(worker)).not.toThrow();
    await readFile(path.join(dist, 'cache-digest.js'));
    const manifest = JSON.parse(await readFile(path.join(dist, 'push-manifest.json'), 'utf8')) as { pages: Record<string, { url: string; as: string }[]> };
    expect(manifest.pages['/index.html']!.map((asset) => asset.as).sort()).toEqual(['script', 'style']);
  }, 300_000);

  it("the README's Playwright latency test passes against `cache-digest serve` and the same folder on a plain server", async () => {
    const site = path.join(work, 'layered-site');
    await writeLayeredSite(site);
    // The README's block as written, with the two example origins pointed at this run's servers.
    const readme = await readFile(path.join(REPO, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Measure your site'));
    const block = /```ts\n([\s\S]*?)```/.exec(section)![1]!;
    expect(block.split('\n').filter((line) => line.trim() !== '').length).toBeLessThanOrEqual(11);
    const kit = serve([site, '--port', '0', '--inject-loader', '--log', 'none']);
    const started = await kit.ready;
    expect(started.listening, JSON.stringify(kit.output())).toBe(true);
    const kitOrigin = /at (https:\/\/\S+?)\/? /.exec(kit.output().stdout)![1]!;
    const spki = /^spki: (\S+)$/m.exec(kit.output().stdout)![1]!;
    // The baseline: no kit, no caching headers, so a returning visitor fetches each asset again.
    const plain = await startPlainStaticServer(site, await ensureDevCertificate(path.join(app, '.dev-certs')));
    try {
      const spec = block.replaceAll('https://localhost:8443/', `${kitOrigin}/`).replaceAll('https://localhost:8444/', `https://localhost:${plain.port}/`);
      await writeFile(path.join(app, 'latency.spec.ts'), spec);
      await writeFile(path.join(app, 'playwright.config.mjs'), "export default { testMatch: 'latency.spec.ts', timeout: 600_000, workers: 1, reporter: 'line' };\n");
      const result = await run('npx', ['--no-install', 'playwright', 'test'], { cwd: app, env: { ...cleanEnv, DEV_SPKI: spki, CI: '1' }, timeout: 600_000 });
      expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
      expect(result.stdout).toMatch(/1 passed/);
    } finally {
      await plain.close();
      await kit.stop();
    }
  }, 900_000);
});

/**
 * A site whose assets are found in layers, as real pages' are: a stylesheet
 * importing another and naming a background image, a chain of four modules,
 * and eight images (19 assets).
 */
async function writeLayeredSite(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const image = (colour: string): string =>
    `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" fill="${colour}"/>${'<!-- padding -->'.repeat(150)}</svg>`;
  const padding = (line: string): string => `${line}\n`.repeat(300);
  let images = '';
  for (let i = 0; i < 8; i += 1) {
    await writeFile(path.join(dir, `picture-${i}.svg`), image(`#${(40 + i * 20).toString(16)}8040`));
    images += `<img src="/picture-${i}.svg" width="32" height="32">`;
  }
  await writeFile(
    path.join(dir, 'index.html'),
    `<!doctype html><html><head><link rel="stylesheet" href="/style.css"><script type="module" src="/main.js"></script></head><body><h1>hi</h1>${images}<div class="banner"></div></body></html>`,
  );
  await writeFile(path.join(dir, 'style.css'), `@import "/base.css";\n.banner { background: url(/banner.svg); height: 64px }\n${padding('/* padding */')}`);
  await writeFile(path.join(dir, 'base.css'), `h1 { color: green }\n${padding('/* padding */')}`);
  await writeFile(path.join(dir, 'banner.svg'), image('#204080'));
  await writeFile(path.join(dir, 'main.js'), `import { a } from './a.js';\ndocument.body.append(a);\n${padding('// padding')}`);
  await writeFile(path.join(dir, 'a.js'), `import { b } from './b.js';\nexport const a = 'a' + b;\n${padding('// padding')}`);
  await writeFile(path.join(dir, 'b.js'), `import { c } from './c.js';\nexport const b = 'b' + c;\n${padding('// padding')}`);
  await writeFile(path.join(dir, 'c.js'), `export const c = 'c';\n${padding('// padding')}`);
}
