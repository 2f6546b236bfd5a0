import { createPrivateKey, randomBytes, X509Certificate, type KeyObject } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { LEAF_HOSTS } from './leaf-hosts.ts';
import { withFileLock } from './file-lock.ts';
import { spkiHash } from './spki-hash.ts';

/** A development CA and a leaf certificate for localhost, as PEM text and file paths. */
export interface DevCertificate {
  /** The leaf certificate (PEM). */
  cert: string;
  /** The leaf's private key (PEM). */
  key: string;
  /** The CA certificate (PEM) that signed the leaf: trust this one. */
  caCert: string;
  caPath: string;
  certPath: string;
  keyPath: string;
  /** Base64 SHA-256 of the leaf's SubjectPublicKeyInfo (DER), for Chromium's `--ignore-certificate-errors-spki-list`. */
  spki: string;
}

const CA_CERT_FILE = 'ca.crt';
const CA_KEY_FILE = 'ca.key';
const LEAF_CERT_FILE = 'localhost.crt';
const LEAF_KEY_FILE = 'localhost.key';
const LOCK_FILE = '.lock';
const DAY_MS = 24 * 60 * 60 * 1000;
const CA_VALIDITY_DAYS = 5 * 365;
// Browsers refuse leaf certificates valid for more than 398 days.
const LEAF_VALIDITY_DAYS = 397;
const LEAF_RENEW_BEFORE_DAYS = 7;
const CA_RENEW_BEFORE_DAYS = 30;

const inProgress = new Map<string, Promise<DevCertificate>>();

async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

function parseCertificate(pem: string | undefined): X509Certificate | undefined {
  if (!pem) return undefined;
  try {
    return new X509Certificate(pem);
  } catch {
    return undefined;
  }
}

function parseKey(pem: string | undefined): KeyObject | undefined {
  if (!pem) return undefined;
  try {
    return createPrivateKey(pem);
  } catch {
    return undefined;
  }
}

const expiresWithin = (cert: X509Certificate, days: number): boolean =>
  Date.parse(cert.validTo) - Date.now() < days * DAY_MS || Date.parse(cert.validFrom) > Date.now() + DAY_MS;

/** A usable CA: parses, is a CA, matches its key and is not about to expire. */
function usableCa(certPem: string | undefined, keyPem: string | undefined): boolean {
  const cert = parseCertificate(certPem);
  const key = parseKey(keyPem);
  return !!cert && !!key && cert.ca && cert.checkPrivateKey(key) && !expiresWithin(cert, CA_RENEW_BEFORE_DAYS);
}

/** A usable leaf: signed by this CA, matches its key, names every local host, and has more than 7 days left. */
function usableLeaf(certPem: string | undefined, keyPem: string | undefined, caPem: string): boolean {
  const cert = parseCertificate(certPem);
  const key = parseKey(keyPem);
  const ca = parseCertificate(caPem);
  if (!cert || !key || !ca) return false;
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey) || !cert.checkPrivateKey(key)) return false;
  if (expiresWithin(cert, LEAF_RENEW_BEFORE_DAYS)) return false;
  return (
    LEAF_HOSTS.dns.every((host) => cert.checkHost(host) !== undefined) &&
    LEAF_HOSTS.ips.every((ip) => cert.checkIP(ip) !== undefined)
  );
}

// Write to a temporary name, then rename: readers never see half a file.
async function writeAtomically(file: string, text: string, mode: number): Promise<void> {
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temporary, text, { mode });
  await chmod(temporary, mode);
  await rename(temporary, file);
}

async function ensureInDir(dir: string): Promise<DevCertificate> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const caPath = path.join(dir, CA_CERT_FILE);
  const caKeyPath = path.join(dir, CA_KEY_FILE);
  const certPath = path.join(dir, LEAF_CERT_FILE);
  const keyPath = path.join(dir, LEAF_KEY_FILE);
  return withFileLock(path.join(dir, LOCK_FILE), async () => {
    let caCert = await readText(caPath);
    let caKey = await readText(caKeyPath);
    let cert = await readText(certPath);
    let key = await readText(keyPath);
    // The signing code (node-forge) loads only when a certificate must be made:
    // a start that finds both on disk stays fast.
    const forge = (): Promise<typeof import('./forge-certificates.ts')> => import('./forge-certificates.ts');
    if (!usableCa(caCert, caKey)) {
      const { createCaCertificate, newRsaKeyPair } = await forge();
      const keys = await newRsaKeyPair();
      caCert = createCaCertificate(keys, CA_VALIDITY_DAYS);
      caKey = keys.privatePem;
      await writeAtomically(caKeyPath, caKey, 0o600);
      await writeAtomically(caPath, caCert, 0o644);
    }
    if (!usableLeaf(cert, key, caCert!)) {
      const { createLeafCertificate, newRsaKeyPair } = await forge();
      const keys = await newRsaKeyPair();
      cert = createLeafCertificate(keys, caCert!, caKey!, LEAF_VALIDITY_DAYS);
      key = keys.privatePem;
      await writeAtomically(keyPath, key, 0o600);
      await writeAtomically(certPath, cert, 0o644);
    }
    return { cert: cert!, key: key!, caCert: caCert!, caPath, certPath, keyPath, spki: spkiHash(cert!) };
  });
}

/**
 * Creates once (then reuses) a development CA and a leaf certificate for
 * localhost, 127.0.0.1 and ::1 in `dir` (keys mode 0600). The leaf is
 * renewed when it expires within 7 days, the CA within 30. Safe to call from
 * several processes at once: a lock file serialises them.
 */
export function ensureDevCertificate(dir: string): Promise<DevCertificate> {
  const absolute = path.resolve(dir);
  const running = inProgress.get(absolute);
  if (running) return running;
  const promise = ensureInDir(absolute).finally(() => inProgress.delete(absolute));
  inProgress.set(absolute, promise);
  return promise;
}
