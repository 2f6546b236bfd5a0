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

    // nginx flags a request (`$ssl_early_data`, forwarded as `Early-Data: 1`) only when it reads it before the
    // handshake completes; on a busy machine it may read the early data after, when it is no longer replayable and
    // goes up unflagged. So each request is sent until nginx handled it in early data (a few tries), and every try
    // must agree with what nginx logged: flagged POST -> 425 from the kit, unflagged POST -> the site's 405.
    const inEarlyData = async (request: string, method: string) => {
      for (let attempt = 1; ; attempt++) {
        const answer = await opensslRequest({ port: nginx.port, request, workDir, sessionIn: session });
        expect(answer).toMatchObject({ reused: true, earlyDataAccepted: true });
        const logged = (await accessLog()).at(-1)!;
        expect(logged).toMatchObject({ method, status: answer.status, reused: 'r' });
        if (method === 'POST') expect(answer.status).toBe(logged.early_data === '1' ? 425 : 405);
        if (logged.early_data === '1' || attempt === 5) return { answer, logged };
      }
    };

    const early = await inEarlyData(get, 'GET');
    expect(early.logged.early_data).toBe('1');
    expect(early.answer.status).toBe(200);
    expect(early.answer.response).toMatch(/^cache-digest-push: mode=hints; digest=0; pushed=3/im);

    const post = 'POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nConnection: close\r\n\r\n';
    const refused = await inEarlyData(post, 'POST');
    expect(refused.logged.early_data).toBe('1');
    expect(refused.answer.status).toBe(425);

    const log = await accessLog();
    expect(log.slice(0, 2).map(({ method, status, early_data, reused }) => ({ method, status, early_data, reused }))).toEqual([
      expect.objectContaining({ method: 'GET', status: 200 }),
      { method: 'GET', status: 200, early_data: '', reused: '.' },
    ]);
  });
});
