import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Server as TlsServer } from 'node:tls';
import { withFileLock } from './file-lock.ts';

/** A TLS session ticket key (Node's 48-byte form: name, HMAC and AES keys) and when it was made. */
export interface TicketKey {
  key: Buffer;
  createdAt: number;
}

/** A ticket key file that is not one this kit wrote: never overwritten, reported instead. */
export class TicketKeyError extends Error {
  override name = 'TicketKeyError';
}

/** Options of {@link loadTicketKey} and {@link shareTicketKeys}. */
export interface TicketKeyOptions {
  /** A key older than this is replaced (default 24 h). */
  rotateAfterMs?: number;
  /** The clock (tests). */
  now?: () => number;
}

/** Default rotation period of a shared ticket key. */
export const DEFAULT_TICKET_KEY_ROTATION_MS = 24 * 60 * 60 * 1000;
const KEY_BYTES = 48;
const FORMAT = 'cache-digest-ticket-key';

/**
 * The current session ticket key in `file`, shared by every server process
 * pointed at it: created when the file is absent, replaced when older than
 * `rotateAfterMs` (under a lock, so concurrent processes agree on one key).
 * A file that is not a ticket key file throws {@link TicketKeyError}.
 */
export async function loadTicketKey(file: string, options: TicketKeyOptions = {}): Promise<TicketKey> {
  const now = options.now ?? Date.now;
  const rotateAfterMs = options.rotateAfterMs ?? DEFAULT_TICKET_KEY_ROTATION_MS;
  const fresh = (key: TicketKey | undefined): key is TicketKey => key !== undefined && now() - key.createdAt < rotateAfterMs && key.createdAt <= now() + 60_000;
  const current = await readKey(file);
  if (fresh(current)) return current;
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  return withFileLock(`${file}.lock`, async () => {
    // Another process may have rotated it while we waited for the lock.
    const again = await readKey(file);
    if (fresh(again)) return again;
    const next: TicketKey = { key: randomBytes(KEY_BYTES), createdAt: now() };
    const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(temporary, `${JSON.stringify({ format: FORMAT, createdAt: new Date(next.createdAt).toISOString(), key: next.key.toString('base64') })}\n`, { mode: 0o600 });
    await chmod(temporary, 0o600);
    await rename(temporary, file);
    return next;
  });
}

async function readKey(file: string): Promise<TicketKey | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new TicketKeyError(`cannot read the ticket key file ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let parsed: { format?: unknown; createdAt?: unknown; key?: unknown };
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new TicketKeyError(`${file} is not a ticket key file (not JSON); give a path of its own`);
  }
  const key = typeof parsed.key === 'string' ? Buffer.from(parsed.key, 'base64') : undefined;
  const createdAt = typeof parsed.createdAt === 'string' ? Date.parse(parsed.createdAt) : NaN;
  if (parsed.format !== FORMAT || !key || key.length !== KEY_BYTES || Number.isNaN(createdAt)) {
    throw new TicketKeyError(`${file} is not a ticket key file (expected {"format":"${FORMAT}",...})`);
  }
  return { key, createdAt };
}

/** Options of {@link shareTicketKeys}. */
export interface ShareTicketKeysOptions extends TicketKeyOptions {
  /** How often the file is checked for a rotation by this or another process (default: a twelfth of the rotation period, at most 1 h). */
  checkEveryMs?: number;
  /** A failed check (the key in use stays); default: ignored. */
  onError?: (error: unknown) => void;
}

/**
 * Gives `server` the session ticket key kept in `file` and keeps it current:
 * TLS sessions then resume across restarts and across every process sharing
 * the file. When the key rotates, tickets made with the old one no longer
 * resume (Node holds one key): such clients make one full handshake.
 */
export async function shareTicketKeys(server: TlsServer, file: string, options: ShareTicketKeysOptions = {}): Promise<{ stop(): void }> {
  let current = await loadTicketKey(file, options);
  server.setTicketKeys(current.key);
  const period = options.rotateAfterMs ?? DEFAULT_TICKET_KEY_ROTATION_MS;
  const checkEveryMs = options.checkEveryMs ?? Math.min(Math.max(Math.floor(period / 12), 1000), 60 * 60 * 1000);
  const timer = setInterval(() => {
    loadTicketKey(file, options).then(
      (next) => {
        if (next.key.equals(current.key)) return;
        current = next;
        server.setTicketKeys(next.key);
      },
      (error: unknown) => options.onError?.(error),
    );
  }, checkEveryMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
