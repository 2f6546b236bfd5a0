import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildManifest, validateManifest } from '../manifest/index.ts';
import { manifestCommand, type CommandOutput } from './manifest-command.ts';

const FIXTURE = fileURLToPath(new URL('../../test-fixtures/site', import.meta.url));
let workDir: string;

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'manifest-command-test-'));
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

function capture(): CommandOutput & { out: string; err: string } {
  const captured = {
    out: '',
    err: '',
    stdout: (text: string) => void (captured.out += text),
    stderr: (text: string) => void (captured.err += text),
  };
  return captured;
}

describe('cache-digest manifest', () => {
  it('prints the manifest JSON for a folder', async () => {
    const io = capture();
    expect(await manifestCommand([FIXTURE], io)).toBe(0);
    const printed = validateManifest(JSON.parse(io.out));
    expect(printed).toEqual(await buildManifest(FIXTURE));
    expect(io.err).toBe('');
  });

  it('writes the JSON to --out FILE', async () => {
    for (const args of [['--out', path.join(workDir, 'a.json'), FIXTURE], [FIXTURE, `--out=${path.join(workDir, 'b.json')}`]]) {
      const io = capture();
      expect(await manifestCommand(args, io)).toBe(0);
      const file = args.find((arg) => arg.endsWith('.json'))!.replace('--out=', '');
      expect(validateManifest(JSON.parse(await readFile(file, 'utf8'))).version).toBe(1);
      expect(io.out).toBe('');
      expect(io.err).toMatch(/3 page\(s\)/);
    }
  });

  it('returns 2 for bad arguments and 1 for a missing folder, with a message', async () => {
    const cases: [string[], number, RegExp][] = [
      [[], 2, /DIR is required/],
      [['--bogus', FIXTURE], 2, /unknown option --bogus/],
      [[FIXTURE, 'extra'], 2, /unexpected argument extra/],
      [[FIXTURE, '--out'], 2, /needs a file name/],
      [[path.join(workDir, 'missing')], 1, /is not a folder/],
      [[FIXTURE, '--out', path.join(workDir, 'no-such-dir', 'x.json')], 1, /ENOENT/],
    ];
    for (const [args, code, message] of cases) {
      const io = capture();
      expect(await manifestCommand(args, io), args.join(' ')).toBe(code);
      expect(io.err).toMatch(message);
    }
    const help = capture();
    expect(await manifestCommand(['--help'], help)).toBe(0);
    expect(help.out).toContain('Usage: cache-digest manifest DIR');
  });
});
