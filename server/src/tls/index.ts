// A local development CA and a localhost certificate.
export { ensureDevCertificate, type DevCertificate } from './dev-certificate.ts';
export { spkiHash } from './spki-hash.ts';
