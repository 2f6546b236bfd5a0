// The nginx variant of the edge recipe (TCP, TLS 1.3 early data) with real
// nginx and openssl: a resumed connection's page GET in early data is answered
// (the kit sees `Early-Data: 1`), a POST in early data gets 425 from the kit,
// and the push stream and the kit's headers come through.
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDevCertificate, parseSummaryHeader, startServer, type RunningServer } from '@cache-digest/server';
import { startNginx, type RunningNginx } from './start-nginx.ts';
import { writeEdgeTestSite } from './test-support/edge-test-site.ts';
import { opensslRequest } from './test-support/openssl-request.ts';

let workDir: string;
let kit: RunningServer;
let nginx: RunningNginx;

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'cache-digest-edge-nginx-'));
  await writeEdgeTestSite(path.join(workDir, 'site'), 'v1');
  const certs = await ensureDevCertificate(path.join(workDir, 'certs'));
  kit = await startServer({ root: path.join(workDir, 'site'), certDir: path.join(workDir, 'certs'), log: false });
  nginx = await startNginx({ kitPort: kit.port, certPath: certs.certPath, keyPath: certs.keyPath, kitCaPath: certs.caPath, stateDir: path.join(workDir, 'nginx') });
}, 60_000);

afterAll(async () => {
  await nginx?.close();
  await kit?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

const accessLog = async () =>
  (await nginx.accessLog())
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { method: string; uri: string; status: number; early_data: string; reused: string; summary: string });

describe('nginx in front of the kit, TLS 1.3 early data', () => {
  it('streams the push stream through (HTTP/1.1 upstream, no buffering) with the summary header', async () => {
    const response = await new Promise<{ headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
      request(nginx.url, { rejectUnauthorized: false, headers: { 'accept-push-stream': '1' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk)).on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      }).on('error', reject).end();
    });
    expect(String(response.headers['content-type'])).toContain('application/vnd.cache-digest.push-stream');
    expect(parseSummaryHeader(String(response.headers['cache-digest-push']))).toMatchObject({ mode: 'stream', pushed: 3 });
    expect(response.body.includes(Buffer.from("textContent = 'ready v1'"))).toBe(true);
  });

  it('answers a page GET sent in early data on a resumed session, and the kit refuses a POST in early data with 425', async () => {
    const session = path.join(workDir, 'session.pem');
    const get = 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n';
    const first = await opensslRequest({ port: nginx.port, request: get, workDir, sessionOut: session });
    expect(first).toMatchObject({ reused: false, status: 200 });

    const early = await opensslRequest({ port: nginx.port, request: get, workDir, sessionIn: session });
    expect(early).toMatchObject({ reused: true, earlyDataAccepted: true, status: 200 });
    expect(early.response).toMatch(/^cache-digest-push: mode=hints; digest=0; pushed=3/im);

    const post = 'POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nConnection: close\r\n\r\n';
    const refused = await opensslRequest({ port: nginx.port, request: post, workDir, sessionIn: session });
    expect(refused).toMatchObject({ reused: true, earlyDataAccepted: true, status: 425 });

    const log = await accessLog();
    expect(log.map(({ method, status, early_data, reused }) => ({ method, status, early_data, reused }))).toEqual([
      expect.objectContaining({ method: 'GET', status: 200 }),
      { method: 'GET', status: 200, early_data: '', reused: '.' },
      { method: 'GET', status: 200, early_data: '1', reused: 'r' },
      { method: 'POST', status: 425, early_data: '1', reused: 'r' },
    ]);
  });
});
