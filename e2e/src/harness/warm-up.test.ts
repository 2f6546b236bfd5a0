import http2 from 'node:http2';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ensureDevCertificate, type RunningServer } from '@cache-digest/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuiltSite } from './build-demo-site.ts';
import { warmUp } from './warm-up.ts';

let workDir: string;
let cert: { key: string; cert: string };
const servers: http2.Http2SecureServer[] = [];
const sessions: http2.ServerHttp2Session[] = [];

/**
 * A real HTTP/2 server on loopback; `answer` false: it takes every request and never responds (a hung kit); a function:
 * the status for the nth request (1-based) of a path.
 */
async function kitOn(answer: boolean | ((nth: number) => number)): Promise<{ kit: RunningServer; seen: string[] }> {
  const seen: string[] = [];
  const server = http2.createSecureServer({ key: cert.key, cert: cert.cert }, (req, res) => {
    seen.push(`${req.url} ${req.headers['accept-encoding']}`);
    if (typeof answer === 'function') {
      res.statusCode = answer(seen.filter((line) => line.startsWith(`${req.url} `)).length);
      res.end('x');
    } else if (answer) res.end('x');
  });
  servers.push(server);
  server.on('session', (session) => sessions.push(session));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { kit: { port: (server.address() as AddressInfo).port } as RunningServer, seen };
}

const site = { dir: '', files: new Map([['/', {}], ['/app.js', {}]]) } as unknown as BuiltSite;

beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), 'warm-up-'));
  const dev = await ensureDevCertificate(workDir);
  cert = { key: dev.key, cert: dev.cert };
});

afterAll(async () => {
  // Ends the hung warm-up's session too.
  for (const session of sessions) session.destroy();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  await rm(workDir, { recursive: true, force: true });
});

describe("warmUp (the matrix's servers and the edge stack's kits)", () => {
  it('requests every file once, compressed as browsers ask', async () => {
    const { kit, seen } = await kitOn(true);
    await warmUp(kit, site);
    expect(seen.sort()).toEqual(['/ gzip, deflate, br', '/app.js gzip, deflate, br']);
  });

  it('a server that never answers fails within the limit, named, instead of hanging the bench', async () => {
    const { kit, seen } = await kitOn(false);
    const started = performance.now();
    await expect(warmUp(kit, site, { timeoutMs: 1_000, what: 'the kit' })).rejects.toThrow(/^warming up the kit on port \d+ took over 1000 ms \(0 of 2 files answered\)$/);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(seen).toHaveLength(2);
  });

  it('retries files answered with a 5xx on a new connection, and succeeds once they answer', async () => {
    const { kit, seen } = await kitOn((nth) => (nth === 1 ? 503 : 200));
    await warmUp(kit, site);
    expect(seen.sort()).toEqual(['/ gzip, deflate, br', '/ gzip, deflate, br', '/app.js gzip, deflate, br', '/app.js gzip, deflate, br']);
  });

  it('a server that keeps failing, or a port nobody listens on, fails clearly after its attempts instead of counting as warm', async () => {
    const { kit, seen } = await kitOn((nth) => (nth <= 2 ? 500 : 200));
    await expect(warmUp(kit, site, { attempts: 2, what: 'the kit' })).rejects.toThrow(
      /^warming up the kit on port \d+ failed after 2 attempts \(0 of 2 files answered; \/: status 500; \/app\.js: status 500\)$/,
    );
    expect(seen).toHaveLength(4);
    // A port that was just free: every connection is refused.
    const probe = http2.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    await expect(warmUp({ port } as RunningServer, site, { what: 'the gone kit' })).rejects.toThrow(/^warming up the gone kit on port \d+ failed after 3 attempts \(0 of 2 files answered; \/: .*ECONNREFUSED/);
  });
});
