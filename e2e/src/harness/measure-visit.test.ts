import { describe, expect, it } from 'vitest';
import { measureVisit, type VisitFacts } from './measure-visit.ts';

const files = new Map([
  ['/index.html', { size: 6000, etag: '"p"' }],
  ['/assets/a.css', { size: 2000, etag: '"a"' }],
  ['/assets/b.png', { size: 30_000, etag: '"b"' }],
  ['/assets/c.png', { size: 28_000, etag: '"c"' }],
  ['/cache-digest-sw.js', { size: 12_000, etag: '"w"' }],
]);

function facts(overrides: Partial<VisitFacts>): VisitFacts {
  return {
    pagePath: '/',
    loadMs: 400,
    ttfbMs: 300,
    traffic: { bytesUp: 1000, bytesDown: 40_000, connections: 1 },
    served: [],
    pageLog: [],
    heldBefore: new Set(),
    pageAssets: ['/assets/a.css', '/assets/b.png', '/assets/c.png'],
    files,
    summary: null,
    render: null,
    ...overrides,
  };
}

describe('measureVisit', () => {
  it('counts streamed parts and requested bodies as delivered, and what was held as redundant', () => {
    const visit = measureVisit(
      facts({
        served: [
          { path: '/', status: 200, bytes: 6000 },
          { path: '/assets/c.png', status: 200, bytes: 28_000 },
          { path: '/cache-digest-sw.js', status: 200, bytes: 12_000 },
          { path: '/assets/a.css', status: 304, bytes: 0 },
        ],
        pageLog: ['cache-digest: GET / 200 | mode=stream; digest=2; pushed=1; skipped=1; bytes=30000 | streamed: /assets/b.png | skipped: /assets/a.css'],
        heldBefore: new Set(['/assets/a.css', '/assets/c.png']),
      }),
    );
    expect(visit.pushedAssets).toEqual(['/assets/b.png']);
    // The page itself, the worker's update check and a 304 are not asset deliveries.
    expect(visit.deliveredAssets.sort()).toEqual(['/assets/b.png', '/assets/c.png']);
    expect(visit.deliveredBytes).toBe(58_000);
    expect(visit.redundantAssets).toEqual(['/assets/c.png']);
    expect(visit.redundantBytes).toBe(28_000);
    expect(visit.networkRequests).toBe(4);
    expect(visit.pageBytes).toBe(66_000);
  });

  it('does not take hinted assets for pushed ones', () => {
    const visit = measureVisit(
      facts({
        served: [{ path: '/', status: 200, bytes: 6000 }],
        pageLog: ['cache-digest: GET / 200 | mode=hints; digest=0; pushed=3; skipped=0; bytes=60000 | hinted: /assets/a.css /assets/b.png /assets/c.png'],
      }),
    );
    expect(visit.pushedAssets).toEqual([]);
    expect(visit.deliveredAssets).toEqual([]);
  });
});
