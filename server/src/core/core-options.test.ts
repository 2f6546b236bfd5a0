import { describe, expect, it } from 'vitest';
import { CacheDigestCore } from './cache-digest-core.ts';
import type { DeliveryMode } from './types.ts';

describe('CacheDigestCore options', () => {
  it('refuses an unknown mode with a typed error (rather than summaries saying mode=undefined)', () => {
    expect(() => new CacheDigestCore({ pages: {}, log: false, mode: 'test' as DeliveryMode })).toThrow(TypeError);
    for (const mode of ['auto', 'push', 'stream', 'hints', 'links', 'off'] as const) expect(new CacheDigestCore({ pages: {}, log: false, mode }).mode).toBe(mode);
  });
});
