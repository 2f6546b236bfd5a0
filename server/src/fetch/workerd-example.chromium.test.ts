import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemoSite, type BuiltSite } from '../../../e2e/src/harness/build-demo-site.ts';
import { launchChromium } from '../../../e2e/src/harness/launch-chromium.ts';
import { startExample, startRecordingProxy, visitPage, REPO_ROOT, type RecordingProxy, type RunningExample } from '../adapters/test-support/example-in-chromium.ts';
import { parseSummaryHeader } from '../core/summary-header.ts';

/** `npm run example:workerd` on a given build, any free port. */
const startWorkerdExample = (dist: string) =>
  startExample('example:workerd', [path.join(REPO_ROOT, 'scripts', 'example-workerd.mjs')], { PORT: '0', DIST: dist }, /http:\/\/localhost:(\d+)/, 60_000);

interface Seen {
  path: string;
  digest: boolean;
  summary: string | undefined;
  streamed: string | undefined;
}

describe('the Cloudflare Worker example on workerd with real Chromium and the real Service Worker', () => {
  let workDir: string;
  let v1: BuiltSite;
  let v2: BuiltSite;
  // A proxy in front of workerd, so that the browser's origin (http://localhost:<proxy>) survives a redeploy.
  let proxy: RecordingProxy<Seen>;
  let example: RunningExample | undefined;

  beforeAll(async () => {
    workDir = await mkdtemp(path.join(os.tmpdir(), 'cache-digest-workerd-'));
    v1 = await buildDemoSite({ workDir, outDir: path.join(workDir, 'v1') });
    v2 = await buildDemoSite({ workDir, outDir: path.join(workDir, 'v2'), deploy: true });
    proxy = await startRecordingProxy(0, (req, answer) => ({
      path: req.url ?? '',
      digest: Boolean(req.headers['cache-digest'] ?? /cache-digest=/.test(String(req.headers['service-worker-navigation-preload'] ?? ''))),
      summary: answer.headers['cache-digest-push'] as string | undefined,
      streamed: answer.headers['push-stream-urls'] as string | undefined,
    }));
  }, 180_000);
  afterAll(async () => {
    await example?.stop();
    await proxy?.close();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  async function visit(userDataDir: string, page: string, prime: boolean): Promise<void> {
    const context = await launchChromium({ userDataDir, spki: '', serviceWorkers: 'allow' });
    try {
      const tab = context.pages()[0] ?? (await context.newPage());
      await visitPage(tab, `http://localhost:${proxy.port}${page}`, { readyFlag: 'demoReady', settle: prime });
    } finally {
      await context.close();
    }
  }

  it('a repeat visit sends the digest and no asset crosses the network; after a deploy only the changed assets arrive, in the stream', async () => {
    const userDataDir = path.join(workDir, 'profile');
    const page = '/';
    const manifest = async (site: BuiltSite) => JSON.parse(await readFile(path.join(site.dir, 'push-manifest.json'), 'utf8')) as { pages: Record<string, { url: string }[]> };
    const urls = async (site: BuiltSite) => (await manifest(site)).pages['/index.html']!.map((asset) => asset.url);
    const before = await urls(v1);
    const after = await urls(v2);
    const changed = after.filter((url) => !before.includes(url));
    expect(changed.length).toBeGreaterThan(0);

    example = await startWorkerdExample(v1.dir);
    proxy.target.port = example.port;
    await visit(userDataDir, page, true);
    expect(proxy.seen.some((entry) => before.includes(entry.path))).toBe(true); // the first visit loads them

    proxy.seen.length = 0;
    await visit(userDataDir, page, false);
    const navigation = proxy.seen.find((entry) => entry.path === page)!;
    expect(navigation.digest).toBe(true);
    expect(parseSummaryHeader(navigation.summary)).toMatchObject({ mode: 'stream', pushed: 0, skipped: before.length });
    expect(proxy.seen.filter((entry) => before.includes(entry.path)).map((entry) => entry.path)).toEqual([]);

    // Deploy v2 behind the same origin.
    await example.stop();
    example = await startWorkerdExample(v2.dir);
    proxy.target.port = example.port;
    proxy.seen.length = 0;
    await visit(userDataDir, page, false);
    const redeployed = proxy.seen.find((entry) => entry.path === page)!;
    expect(redeployed.digest).toBe(true);
    expect(parseSummaryHeader(redeployed.summary)).toMatchObject({ mode: 'stream', pushed: changed.length });
    expect(redeployed.streamed?.split(', ').sort()).toEqual([...changed].sort());
    expect(proxy.seen.filter((entry) => after.includes(entry.path)).map((entry) => entry.path)).toEqual([]);
  }, 240_000);
});
