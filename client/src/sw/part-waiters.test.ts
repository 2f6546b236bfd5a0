import { describe, expect, it } from 'vitest';
import { PartWaiters } from './part-waiters.ts';
import type { BufferedResponse } from './stored-response.ts';

const part = (text: string): BufferedResponse => ({ status: 200, headers: new Headers(), body: new TextEncoder().encode(text) });
const URL_X = 'https://site.test/x.css';

describe('PartWaiters with two streams announcing the same URL', () => {
  it("an older stream's part, void or release does not touch the newer stream's announcement", async () => {
    const waiters = new PartWaiters();
    const older = {};
    const newer = {};
    waiters.announceAll('/x.css', (path) => `https://site.test${path}`, older);
    waiters.announceAll('/x.css', (path) => `https://site.test${path}`, newer);
    waiters.settle(URL_X, part('old'), older);
    waiters.settle(URL_X, undefined, older);
    waiters.release(URL_X, older);
    expect(waiters.has(URL_X)).toBe(true);
    const waiting = waiters.wait(URL_X, 1_000);
    waiters.settle(URL_X, part('new'), newer);
    expect(new TextDecoder().decode((await waiting)!.body)).toBe('new');
    // Held for later requests until its own stream releases it.
    expect(new TextDecoder().decode((await waiters.wait(URL_X, 10))!.body)).toBe('new');
    waiters.release(URL_X, newer);
    expect(waiters.has(URL_X)).toBe(false);
    expect(await waiters.wait(URL_X, 10)).toBeUndefined();
  });
});
