import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bundleClientFiles } from './bundle-client-files.ts';
import { dropErrorMessages } from './drop-error-messages.ts';

const transform = (code: string, id = 'codec.ts') => {
  const hook = dropErrorMessages().transform as (code: string, id: string) => { code: string } | null;
  return hook.call({}, code, id);
};

describe('dropErrorMessages', () => {
  it('drops each CacheDigestError message, whatever the expression, so the code is the message', () => {
    const source = [
      'const limit: number = 4;',
      "if (n > limit) throw new CacheDigestError('TOO_LARGE', `frame of ${n} bytes exceeds ${limit}`);",
      "throw new CacheDigestError('BAD_FRAME', 'HEAD payload is not ' + describe(x, (y) => `(${y})`));",
    ].join('\n');
    expect(transform(source)?.code).toBe(
      ["const limit: number = 4;", "if (n > limit) throw new CacheDigestError('TOO_LARGE');", "throw new CacheDigestError('BAD_FRAME');"].join('\n'),
    );
  });

  it('drops the text of a plain Error when it is a literal or a template of names', () => {
    const source = "new Error('stalled'); new Error(`silent for ${ms} ms`); new Error(describe(x)); new RangeError('kept');";
    expect(transform(source)?.code).toBe("new Error(); new Error(); new Error(describe(x)); new RangeError('kept');");
  });

  it('empties a refused part\u2019s reason, keeping that it is one', () => {
    const source = [
      "events.push({ type: 'abort', part, reason: 'truncated' }, { reason: text });",
      "sink.onVoid(url, 'unusable status'); voidAsset(part, 'too large'); sink.onVoid(url, problem); other(url, 'kept');",
      "function partIntegrityProblem(h) { if (!h) return 'malformed'; return undefined; }",
      "function other() { return 'kept'; }",
    ].join('\n');
    expect(transform(source)?.code).toBe(
      [
        "events.push({ type: 'abort', part, reason: '' }, { reason: text });",
        "sink.onVoid(url, ''); voidAsset(part, ''); sink.onVoid(url, problem); other(url, 'kept');",
        "function partIntegrityProblem(h) { if (!h) return ''; return undefined; }",
        "function other() { return 'kept'; }",
      ].join('\n'),
    );
  });

  it('leaves other errors, computed codes and files without either alone', () => {
    expect(transform("throw new TypeError('kept');")).toBeNull();
    const computed = "throw new CacheDigestError(code, 'kept'); throw new RangeError('kept too');";
    expect(transform(computed)).toBeNull();
  });

  it('the built worker carries the codes but none of the codecs\u2019 English messages', async () => {
    const reader = await readFile(fileURLToPath(new URL('../../../shared/src/push-stream/push-stream-reader.ts', import.meta.url)), 'utf8');
    expect(reader).toContain('HEAD payload is not UTF-8 JSON');
    const { worker } = await bundleClientFiles();
    expect(worker).not.toContain('HEAD payload is not UTF-8 JSON');
    expect(worker).toContain('BAD_FRAME');
    expect(worker).not.toContain('content-hash etag');
  }, 60_000);
});
