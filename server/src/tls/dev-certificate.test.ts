import { execFile, execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDevCertificate, spkiHash, type DevCertificate } from './index.ts';
import { createLeafCertificate, newRsaKeyPair } from './forge-certificates.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
let workDir: string;

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'dev-cert-test-'));
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

/** Handshakes with a real TLS server on loopback; resolves with the peer certificate's subject CN or rejects. */
async function handshake(certificate: DevCertificate, host: string, servername?: string): Promise<string> {
  const server = tls.createServer({ cert: certificate.cert, key: certificate.key }, (socket) => socket.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as { port: number };
  try {
    return await new Promise<string>((resolve, reject) => {
      const socket = tls.connect({ host, port, ca: certificate.caCert, ...(servername ? { servername } : {}) }, () => {
        const subject = socket.getPeerCertificate().subject?.CN;
        socket.end();
        resolve(String(subject));
      });
      socket.on('error', reject);
    });
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function opensslSpki(certPem: string): string {
  const publicKey = execFileSync('openssl', ['x509', '-pubkey', '-noout'], { input: certPem });
  const der = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'der'], { input: publicKey });
  const digest = execFileSync('openssl', ['dgst', '-sha256', '-binary'], { input: der });
  return execFileSync('base64', [], { input: digest }).toString().trim();
}

describe('ensureDevCertificate', () => {
  let first: DevCertificate;
  const dir = (): string => path.join(workDir, 'certs');

  beforeAll(async () => {
    first = await ensureDevCertificate(dir());
  });

  it('issues a leaf that verifies against its CA over real TLS, for localhost, 127.0.0.1 and ::1', async () => {
    expect(await handshake(first, '127.0.0.1', 'localhost')).toBe('localhost');
    expect(await handshake(first, '127.0.0.1')).toBe('localhost');
    expect(await handshake(first, '::1')).toBe('localhost');
  });

  it('is refused by a client that trusts another CA', async () => {
    const other = await ensureDevCertificate(path.join(workDir, 'other'));
    expect(other.caCert).not.toBe(first.caCert);
    await expect(handshake({ ...first, caCert: other.caCert }, '127.0.0.1', 'localhost')).rejects.toThrow();
  });

  it('reports the SPKI hash openssl computes', () => {
    expect(first.spki).toBe(opensslSpki(first.cert));
    expect(spkiHash(first.cert)).toBe(first.spki);
    expect(spkiHash(first.caCert)).toBe(opensslSpki(first.caCert));
  });

  it('writes the files it reports, keys with mode 0600, a CA and a leaf of at most 397 days', async () => {
    expect(await readFile(first.certPath, 'utf8')).toBe(first.cert);
    expect(await readFile(first.keyPath, 'utf8')).toBe(first.key);
    expect(await readFile(first.caPath, 'utf8')).toBe(first.caCert);
    expect((await stat(first.keyPath)).mode & 0o777).toBe(0o600);
    expect((await stat(path.join(dir(), 'ca.key'))).mode & 0o777).toBe(0o600);
    const leaf = new X509Certificate(first.cert);
    const ca = new X509Certificate(first.caCert);
    expect(ca.ca).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.keyUsage).toContain('1.3.6.1.5.5.7.3.1'); // serverAuth
    expect(leaf.subjectAltName).toContain('DNS:localhost');
    expect(leaf.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(leaf.subjectAltName).toContain('IP Address:0:0:0:0:0:0:0:1');
    expect(Date.parse(leaf.validTo) - Date.parse(leaf.validFrom)).toBeLessThanOrEqual(397 * DAY_MS);
  });

  it('reuses the files on a second call', async () => {
    const before = await stat(first.certPath);
    const again = await ensureDevCertificate(dir());
    expect(again).toEqual(first);
    expect((await stat(first.certPath)).mtimeMs).toBe(before.mtimeMs);
  });

  it('renews a leaf that expires within 7 days, keeping the CA', async () => {
    const renewDir = path.join(workDir, 'renew');
    const original = await ensureDevCertificate(renewDir);
    const caKey = await readFile(path.join(renewDir, 'ca.key'), 'utf8');
    const keys = await newRsaKeyPair();
    const shortLived = createLeafCertificate(keys, original.caCert, caKey, 3);
    await writeFile(original.certPath, shortLived);
    await writeFile(original.keyPath, keys.privatePem);
    const renewed = await ensureDevCertificate(renewDir);
    expect(renewed.caCert).toBe(original.caCert);
    expect(renewed.cert).not.toBe(shortLived);
    expect(Date.parse(new X509Certificate(renewed.cert).validTo) - Date.now()).toBeGreaterThan(300 * DAY_MS);
    expect(await handshake(renewed, '127.0.0.1', 'localhost')).toBe('localhost');
  });

  it('replaces corrupt files and a leaf whose key does not match', async () => {
    const brokenDir = path.join(workDir, 'broken');
    const original = await ensureDevCertificate(brokenDir);
    await writeFile(original.keyPath, (await ensureDevCertificate(path.join(workDir, 'other'))).key);
    const rekeyed = await ensureDevCertificate(brokenDir);
    expect(rekeyed.caCert).toBe(original.caCert);
    expect(rekeyed.cert).not.toBe(original.cert);
    expect(await handshake(rekeyed, '127.0.0.1', 'localhost')).toBe('localhost');

    await writeFile(rekeyed.caPath, 'not a certificate');
    const fresh = await ensureDevCertificate(brokenDir);
    expect(fresh.caCert).not.toBe(original.caCert);
    expect(await handshake(fresh, '127.0.0.1', 'localhost')).toBe('localhost');
  });

  it('gives two processes racing on an empty folder the same certificate', async () => {
    const raceDir = path.join(workDir, 'race');
    const moduleUrl = new URL('./index.ts', import.meta.url).href;
    const script = `const { ensureDevCertificate } = await import(${JSON.stringify(moduleUrl)});
      const c = await ensureDevCertificate(${JSON.stringify(raceDir)}); process.stdout.write(c.spki);`;
    const tsx = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../../node_modules/tsx/dist/cli.mjs');
    const run = () =>
      promisify(execFile)(process.execPath, [tsx, '--input-type=module', '-e', script], { timeout: 60_000 }).then(
        (result) => result.stdout,
      );
    const [a, b] = await Promise.all([run(), run()]);
    expect(a).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(a).toBe(b);
    expect(a).toBe((await ensureDevCertificate(raceDir)).spki);
  });
});
