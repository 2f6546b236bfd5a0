// A local development CA and a localhost certificate.
export { ensureDevCertificate, type DevCertificate } from './dev-certificate.ts';
export { spkiHash } from './spki-hash.ts';
export { DEFAULT_TICKET_KEY_ROTATION_MS, loadTicketKey, shareTicketKeys, TicketKeyError, type ShareTicketKeysOptions, type TicketKey, type TicketKeyOptions } from './ticket-keys.ts';
