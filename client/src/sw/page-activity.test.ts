import { describe, expect, it } from 'vitest';
import { PageActivity } from './page-activity.ts';

describe('PageActivity', () => {
  it('resolves after a quiet period with no requests', async () => {
    const activity = new PageActivity();
    const start = Date.now();
    await activity.quiet(60, 5_000);
    expect(Date.now() - start).toBeGreaterThanOrEqual(55);
  });

  it('waits while requests keep arriving, then resolves once they stop', async () => {
    const activity = new PageActivity();
    const start = Date.now();
    const noting = setInterval(() => activity.note(), 20);
    setTimeout(() => clearInterval(noting), 200);
    await activity.quiet(80, 5_000);
    // The last request came at about 200 ms: quiet for 80 ms after it.
    expect(Date.now() - start).toBeGreaterThanOrEqual(260);
  });

  it('gives up waiting at maxMs when requests never stop', async () => {
    const activity = new PageActivity();
    const noting = setInterval(() => activity.note(), 10);
    const start = Date.now();
    try {
      await activity.quiet(100, 250);
    } finally {
      clearInterval(noting);
    }
    const waited = Date.now() - start;
    expect(waited).toBeGreaterThanOrEqual(245);
    expect(waited).toBeLessThan(2_000);
  });
});
