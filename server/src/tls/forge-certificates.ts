import { generateKeyPair, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import forge from 'node-forge';
import { LEAF_HOSTS } from './leaf-hosts.ts';


const DAY_MS = 24 * 60 * 60 * 1000;
const generateRsa = promisify(generateKeyPair);

/** An RSA key pair as PEM: PKCS#1 private key and SPKI public key. */
export interface KeyPairPem {
  privatePem: string;
  publicPem: string;
}

/** A fresh RSA-2048 key pair (node:crypto: much faster than forge's pure-JS generator). */
export async function newRsaKeyPair(): Promise<KeyPairPem> {
  const { privateKey, publicKey } = await generateRsa('rsa', { modulusLength: 2048 });
  return {
    privatePem: privateKey.export({ type: 'pkcs1', format: 'pem' }) as string,
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
  };
}

// A positive serial of 16 random bytes (the top bit cleared keeps DER positive).
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f;
  return bytes.toString('hex');
}

function validityFor(days: number): { notBefore: Date; notAfter: Date } {
  // Backdated a little so clocks that disagree by a minute still accept it; the total stays `days`.
  const notBefore = new Date(Date.now() - 5 * 60 * 1000);
  return { notBefore, notAfter: new Date(notBefore.getTime() + days * DAY_MS) };
}

/** A self-signed CA certificate (PEM) for `keys`, valid for `validityDays`. */
export function createCaCertificate(keys: KeyPairPem, validityDays: number): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicPem);
  cert.serialNumber = randomSerial();
  Object.assign(cert.validity, validityFor(validityDays));
  const subject = [
    { name: 'commonName', value: `Cache Digest Kit Development CA ${randomBytes(4).toString('hex')}` },
    { name: 'organizationName', value: 'Cache Digest Kit (development only)' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(keys.privatePem), forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

/** A server certificate (PEM) for {@link LEAF_HOSTS}, signed by the CA, valid for `validityDays`. */
export function createLeafCertificate(keys: KeyPairPem, caCertPem: string, caKeyPem: string, validityDays: number): string {
  const caCert = forge.pki.certificateFromPem(caCertPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicPem);
  cert.serialNumber = randomSerial();
  Object.assign(cert.validity, validityFor(validityDays));
  cert.setSubject([{ name: 'commonName', value: 'localhost' }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        ...LEAF_HOSTS.dns.map((value) => ({ type: 2, value })),
        ...LEAF_HOSTS.ips.map((ip) => ({ type: 7, ip })),
      ],
    },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(caKeyPem), forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}
