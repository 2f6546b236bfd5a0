import { createHash, X509Certificate } from 'node:crypto';

/**
 * Base64 SHA-256 of a certificate's SubjectPublicKeyInfo (DER): the value
 * Chromium's `--ignore-certificate-errors-spki-list` takes. Works for any PEM
 * certificate (the first one, if several are concatenated).
 */
export function spkiHash(certPem: string): string {
  const spki = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}
