import { parseArgs } from 'node:util';
import {
  base64urlEncode,
  CacheDigestError,
  encodeDigest,
  readCacheDigestHeader,
  type CacheDigestMember,
  type DigestEntry,
} from '@cache-digest/shared';
import { hashKeyNode } from '@cache-digest/shared/node';

/** Where a command writes; injectable so tests can run commands in-process. */
export interface CommandIO {
  stdin: AsyncIterable<string | Uint8Array>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** Thrown for command-line misuse; main() reports it and exits 2. */
export class UsageError extends Error {}

async function readAll(stdin: AsyncIterable<string | Uint8Array>): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of stdin) text += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
  return text + decoder.decode();
}

/** Parses `URL` or `URL<TAB>ETag` lines; blank lines are skipped. */
export function parseEntryLines(text: string): DigestEntry[] {
  const entries: DigestEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') continue;
    const tab = line.indexOf('\t');
    entries.push(tab === -1 ? { url: line } : { url: line.slice(0, tab), etag: line.slice(tab + 1) });
  }
  return entries;
}

/** `cache-digest encode [--p-bits K] [--validators]`: stdin lines to a base64url digest value. */
export async function encodeCommand(args: string[], io: CommandIO): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { 'p-bits': { type: 'string' }, validators: { type: 'boolean' } },
    strict: true,
  });
  const pBitsText = values['p-bits'];
  const pBits = pBitsText === undefined ? undefined : Number(pBitsText);
  if (pBitsText !== undefined && !/^\d+$/.test(pBitsText)) throw new UsageError(`--p-bits takes an integer, got "${pBitsText}"`);
  const entries = parseEntryLines(await readAll(io.stdin));
  const digest = encodeDigest(entries, {
    ...(pBits === undefined ? {} : { pBits }),
    validators: values.validators ?? false,
    hash: hashKeyNode,
  });
  io.stdout(`${base64urlEncode(digest)}\n`);
  return 0;
}

/**
 * Positional arguments taken as they are: a base64url value may start with
 * `-` (every digest with log2 N = 31 and small P does), so nothing here is
 * read as an option; a `--` separator is dropped.
 */
function positionalsOf(args: string[]): string[] {
  return args[0] === '--' ? args.slice(1) : args;
}

/**
 * The usable members of a value or whole header (`v1; flags, v2`) from the
 * command line, read as a server reads them: a malformed or unsupported member
 * is skipped and named on stderr; none usable is the first member's error.
 */
function readMembers(value: string, io: CommandIO): CacheDigestMember[] {
  const read = readCacheDigestHeader(value, { hash: hashKeyNode });
  if (read.members.length === 0) {
    throw read.skipped[0]?.error ?? new CacheDigestError('BAD_HEADER', 'no digest value given');
  }
  for (const skipped of read.skipped) {
    io.stderr(`cache-digest: skipped member ${skipped.index} ("${skipped.value}"): ${skipped.error.code}: ${skipped.error.message}\n`);
  }
  return read.members;
}

/** `cache-digest decode VALUE`: prints {"nBits","pBits","values":[decimal strings]}, one line per usable member. */
export async function decodeCommand(args: string[], io: CommandIO): Promise<number> {
  const positionals = positionalsOf(args);
  if (positionals.length !== 1) throw new UsageError('usage: cache-digest decode VALUE');
  for (const { digest } of readMembers(positionals[0]!, io)) {
    const values = digest.values().map(String);
    io.stdout(`${JSON.stringify({ nBits: digest.nBits, pBits: digest.pBits, values })}\n`);
  }
  return 0;
}

/**
 * `cache-digest query VALUE URL [ETAG]`: exit 0 when a fresh member holds
 * the URL (with ETAG: URL + ETag; a `validators` member is only asked with
 * an ETAG), 1 when not.
 */
export async function queryCommand(args: string[], io: CommandIO): Promise<number> {
  const positionals = positionalsOf(args);
  if (positionals.length < 2 || positionals.length > 3) throw new UsageError('usage: cache-digest query VALUE URL [ETAG]');
  const [value, url, etag] = positionals as [string, string, string | undefined];
  const held = readMembers(value, io).some((member) => !member.stale && (!member.validators || etag !== undefined) && member.digest.has(url, etag));
  return held ? 0 : 1;
}

/** Formats a digest error as the one line the CLI contract promises. */
export function describeError(error: unknown): string {
  if (error instanceof CacheDigestError) return `cache-digest: ${error.code}: ${error.message}`;
  if (error instanceof Error) return `cache-digest: ${error.message}`;
  return `cache-digest: ${String(error)}`;
}
