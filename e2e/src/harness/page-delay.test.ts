import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StaticSite } from '@cache-digest/server';
import { setPageDelay } from './page-delay.ts';

// The think-time scenario's delay: pages wait, assets do not, and 0 turns it off.
let dir: string;
let site: StaticSite;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cache-digest-page-delay-'));
  await writeFile(path.join(dir, 'index.html'), '<!doctype html><p>page</p>');
  await writeFile(path.join(dir, 'app.css'), 'p { color: green }');
  site = new StaticSite({ root: dir });
});

afterAll(async () => {
  setPageDelay(0);
  await rm(dir, { recursive: true, force: true });
});

async function timed(urlPath: string): Promise<{ ms: number; status: number }> {
  const started = performance.now();
  const response = await site.handle({ method: 'GET', path: urlPath, headers: {} });
  return { ms: performance.now() - started, status: response.status };
}

describe('setPageDelay', () => {
  it('delays pages by the given time and leaves assets alone', async () => {
    await timed('/app.css'); // the first read of the table is not what is measured
    setPageDelay(400);
    const page = await timed('/');
    const html = await timed('/index.html');
    const asset = await timed('/app.css');
    expect(page).toMatchObject({ status: 200 });
    expect(page.ms).toBeGreaterThanOrEqual(395);
    expect(html.ms).toBeGreaterThanOrEqual(395);
    expect(asset.status).toBe(200);
    expect(asset.ms).toBeLessThan(395);
    setPageDelay(0);
    expect((await timed('/')).ms).toBeLessThan(395);
  });
});
