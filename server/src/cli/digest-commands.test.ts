import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { decodeDigest, base64urlDecode, hashKey } from '@cache-digest/shared';
import { CLI_NODE_ARGS } from './test-support/cli-command.ts';


/** Runs the real command in a child process, as outside tools do. */
function run(args: string[], input = '') {
  const result = spawnSync(process.execPath, [...CLI_NODE_ARGS, ...args], { input, encoding: 'utf8', timeout: 30_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

// Each case spawns the CLI from sources (tsx compiles it on load): slow on a busy machine.
describe('cache-digest encode | decode | query', { timeout: 120_000 }, () => {
  it('encodes the reference inputs to AcA and AfdA', () => {
    expect(run(['encode'], '')).toEqual({ code: 0, stdout: 'AcA\n', stderr: '' });
    expect(run(['encode'], 'https://example.com/style.css\n')).toEqual({ code: 0, stdout: 'AfdA\n', stderr: '' });
  });

  it('encodes URL<TAB>ETag lines with --validators and --p-bits, CRLF and blank lines tolerated', () => {
    const lines = 'https://example.com/a.css\t"1"\r\n\nhttps://example.com/b.js\t"2"\r\nhttps://example.com/c.png\n';
    const { code, stdout } = run(['encode', '--validators', '--p-bits', '12'], lines);
    expect(code).toBe(0);
    const digest = decodeDigest(base64urlDecode(stdout.trim()));
    expect([digest.nBits, digest.pBits]).toEqual([2, 12]);
    expect(digest.has('https://example.com/a.css', '"1"')).toBe(true);
    expect(digest.has('https://example.com/b.js', '"2"')).toBe(true);
    expect(digest.has('https://example.com/c.png')).toBe(true);
    // Without --validators the ETags are ignored.
    const plain = decodeDigest(base64urlDecode(run(['encode'], lines).stdout.trim()));
    expect(plain.has('https://example.com/a.css')).toBe(true);
  });

  it('decodes to JSON with decimal string values', () => {
    const { code, stdout } = run(['decode', 'AfdA']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ nBits: 0, pBits: 7, values: ['93'] });
    const wide = run(['encode', '--p-bits', '31'], 'https://example.com/style.css\nhttps://example.com/x\n');
    const values = JSON.parse(run(['decode', wide.stdout.trim()]).stdout).values as string[];
    const expected = ['https://example.com/style.css', 'https://example.com/x']
      .map((u) => { const h = hashKey(u); return ((BigInt(h.hi) << 32n) | BigInt(h.lo)) >> 32n; })
      .sort((a, b) => (a < b ? -1 : 1)).map(String);
    expect(values).toEqual(expected);
  });

  it('query exits 0 when held, 1 when not, 2 with one line on stderr when malformed', () => {
    expect(run(['query', 'AfdA', 'https://example.com/style.css']).code).toBe(0);
    expect(run(['query', 'AfdA', 'https://example.com/other.css']).code).toBe(1);
    const validators = run(['encode', '--validators'], 'https://example.com/style.css\t"deadbeef"\n').stdout.trim();
    expect(run(['query', validators, 'https://example.com/style.css', '"deadbeef"']).code).toBe(0);
    expect(run(['query', validators, 'https://example.com/style.css', '"other"']).code).toBe(1);
    for (const bad of ['A!dA', 'A', 'Af']) {
      const result = run(['query', bad, 'https://example.com/style.css']);
      expect(result.code).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(/^cache-digest: [A-Z0-9_]+: /);
    }
    expect(run(['decode', 'A!']).code).toBe(2);
    // Values may start with '-' (log2 N = 31, small P): they are values, not options.
    expect(JSON.parse(run(['decode', '-AA']).stdout)).toEqual({ nBits: 31, pBits: 0, values: [] });
    expect(run(['query', '-AA', 'https://example.com/']).code).toBe(1);
    expect(run(['encode', '--p-bits', '40'], 'https://example.com/\n').code).toBe(2);
    expect(run(['frobnicate']).code).toBe(2);
  }, 120_000);
});

describe('cache-digest query | decode on headers with a malformed member (as H2O reads them)', () => {
  const HELLO = 'https://127.0.0.1.xip.io:8081/cache-digests.cgi/hello.js';
  it('skips the malformed member, names it on stderr, and answers from the valid ones', () => {
    const mixed = run(['query', 'FOO; stale, AcA; validators; complete', HELLO]);
    expect(mixed.code).toBe(1);
    expect(mixed.stderr).toMatch(/^cache-digest: skipped member 0 \("FOO"\): UNSUPPORTED_FLAGS: /);
    const withAeLA = run(['query', 'AeLA, FOO; stale, AcA; validators; complete', HELLO]);
    expect(withAeLA.code).toBe(0);
    expect(run(['query', 'AeLA', HELLO]).code).toBe(0);
    expect(run(['query', 'AeLA, Af!, FOO', 'https://127.0.0.1.xip.io:8081/notfound.js']).code).toBe(1);
    const decoded = run(['decode', 'Af, AeLA; complete']);
    expect(decoded.code).toBe(0);
    expect(decoded.stdout.trim().split('\n').map((line) => JSON.parse(line))).toEqual([{ nBits: 0, pBits: 7, values: ['11'] }]);
    expect(decoded.stderr).toMatch(/^cache-digest: skipped member 0 \("Af"\): TRUNCATED: /);
    // No usable member at all: the member's own error, exit 2.
    const none = run(['query', 'FOO; stale', HELLO]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^cache-digest: UNSUPPORTED_FLAGS: /);
  }, 120_000);
});
