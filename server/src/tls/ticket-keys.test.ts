import { mkdtemp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../adapters/start-server.ts';
import { loadTicketKey, TicketKeyError } from './ticket-keys.ts';

let workDir: string;
let root: string;

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'cache-digest-ticket-keys-'));
  root = path.join(workDir, 'site');
  await mkdir(root);
  await writeFile(path.join(root, 'index.html'), '<!doctype html><title>t</title>');
});
afterAll(async () => {
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('loadTicketKey', () => {
  it('creates a private key file once, returns the same key until it is due, then rotates it', async () => {
    const file = path.join(workDir, 'keys', 'a.json');
    let clock = Date.parse('2026-11-30T00:00:00Z');
    const options = { rotateAfterMs: 60_000, now: () => clock };
    const [first, concurrent] = await Promise.all([loadTicketKey(file, options), loadTicketKey(file, options)]);
    expect(first.key).toHaveLength(48);
    expect(concurrent.key.equals(first.key)).toBe(true);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    clock += 59_000;
    expect((await loadTicketKey(file, options)).key.equals(first.key)).toBe(true);
    clock += 2_000;
    const rotated = await loadTicketKey(file, options);
    expect(rotated.key.equals(first.key)).toBe(false);
    expect(rotated.createdAt).toBe(clock);
  });

  it('refuses a file that is not a ticket key file, and leaves it alone', async () => {
    const file = path.join(workDir, 'not-keys.pem');
    await writeFile(file, '-----BEGIN CERTIFICATE-----\n');
    await expect(loadTicketKey(file)).rejects.toBeInstanceOf(TicketKeyError);
    await writeFile(file, JSON.stringify({ format: 'cache-digest-ticket-key', createdAt: new Date().toISOString(), key: 'c2hvcnQ=' }));
    await expect(loadTicketKey(file)).rejects.toThrow(/not a ticket key file/);
    expect(await readFile(file, 'utf8')).toContain('c2hvcnQ=');
  });
});

/** One TLS 1.3 connection, offering `session` when given: whether it resumed, or (without one) the session the server issued. */
function handshake(server: RunningServer, session?: Buffer): Promise<{ reused: boolean; session: Buffer }> {
  return new Promise((resolve, reject) => {
    const socket: TLSSocket = connect({ port: server.port, host: '127.0.0.1', servername: 'localhost', rejectUnauthorized: false, ALPNProtocols: ['http/1.1'], minVersion: 'TLSv1.3', ...(session ? { session } : {}) });
    socket.once('error', reject);
    if (session) {
      // A resumed TLS 1.3 handshake need not bring a new ticket: the answer is known once it completes.
      socket.once('secureConnect', () => {
        resolve({ reused: socket.isSessionReused(), session });
        socket.destroy();
      });
    } else {
      socket.once('session', (issued: Buffer) => {
        resolve({ reused: socket.isSessionReused(), session: issued });
        socket.destroy();
      });
    }
  });
}

describe('startServer({ ticketKeys }): TLS sessions resume across restarts and processes', () => {
  const start = (ticketKeys?: string) => startServer({ root, certDir: path.join(workDir, 'certs'), log: false, clientScripts: false, ...(ticketKeys ? { ticketKeys } : {}) });

  it('a session from one server resumes on a restarted one and on another sharing the file; not without the file', async () => {
    const file = path.join(workDir, 'shared-ticket-key.json');
    const first = await start(file);
    const { session, reused } = await handshake(first);
    expect(reused).toBe(false);
    await first.close();

    const [restarted, sibling, unshared] = await Promise.all([start(file), start(file), start()]);
    try {
      expect((await handshake(restarted, session)).reused).toBe(true);
      expect((await handshake(sibling, session)).reused).toBe(true);
      expect((await handshake(unshared, session)).reused).toBe(false);
    } finally {
      await Promise.all([restarted.close(), sibling.close(), unshared.close()]);
    }
  });

  it('a key past its rotation is replaced at start: older sessions make a full handshake', async () => {
    const file = path.join(workDir, 'rotating-ticket-key.json');
    const first = await start(file);
    const { session } = await handshake(first);
    await first.close();
    const stored = JSON.parse(await readFile(file, 'utf8'));
    await writeFile(file, JSON.stringify({ ...stored, createdAt: new Date(Date.now() - 25 * 60 * 60 * 1000).toISOString() }));
    const next = await start(file);
    try {
      expect((await handshake(next, session)).reused).toBe(false);
      expect(JSON.parse(await readFile(file, 'utf8')).key).not.toBe(stored.key);
    } finally {
      await next.close();
    }
  });
});
