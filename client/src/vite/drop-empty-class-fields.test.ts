import { describe, expect, it } from 'vitest';
import { dropEmptyClassFields } from './drop-empty-class-fields.ts';

const render = (code: string) => {
  const hook = dropEmptyClassFields().renderChunk as (code: string) => { code: string } | null;
  return hook.call({}, code);
};

describe('dropEmptyClassFields', () => {
  it('removes instance fields without an initializer and keeps the rest', () => {
    const source = [
      'var A = class {',
      '  scope;',
      '  timer;',
      '  queue = Promise.resolve();',
      '  static shared;',
      '  #secret;',
      "  ['computed'];",
      '  constructor(scope) { this.scope = scope; }',
      '};',
    ].join('\n');
    const out = render(source)!.code;
    expect(out).not.toMatch(/^\s*(scope|timer);$/m);
    for (const kept of ['queue = Promise.resolve();', 'static shared;', '#secret;', "['computed'];", 'this.scope = scope;']) expect(out).toContain(kept);
    const A = new Function(`${out}; return A;`)() as new (scope: string) => { scope: string; timer?: unknown };
    const a = new A('https://example.com/');
    expect(a.scope).toBe('https://example.com/');
    expect(a.timer).toBeUndefined();
  });

  it('leaves code without such fields alone', () => {
    expect(render('var B = class { x = 1; }; function f() { return 2; }')).toBeNull();
  });
});
