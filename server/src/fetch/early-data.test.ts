import { describe, expect, it } from 'vitest';
import { parseSummaryHeader } from '../core/summary-header.ts';
import { createFetchHandler, type FetchHandlerOptions } from './create-fetch-handler.ts';
import { memorySite } from './memory-site.ts';
import { FIXTURE_ASSETS, FIXTURE_FILES } from './test-support/fixture-site.ts';

const ORIGIN = 'https://shop.example';

/** A fetch handler in front of a site that records every request it sees. */
function handler(options: Partial<FetchHandlerOptions> = {}) {
  const seen: string[] = [];
  const assets = memorySite(FIXTURE_FILES);
  const handle = createFetchHandler({
    pages: { '/account': FIXTURE_ASSETS },
    assets,
    log: false,
    site: async (url, request) => {
      seen.push(`${request?.method ?? 'GET'} ${url.pathname}`);
      if (url.pathname === '/account') return new Response('<!doctype html><p>account', { headers: { 'content-type': 'text/html; charset=utf-8' } });
      return assets(url);
    },
    ...options,
  });
  return { handle, seen };
}

const request = (method: string, path: string, headers: Record<string, string> = {}) =>
  new Request(`${ORIGIN}${path}`, { method, headers, ...(method === 'GET' || method === 'HEAD' ? {} : { body: 'order=1' }) });

describe('createFetchHandler and TLS early data (RFC 8470), on Node’s fetch Request', () => {
  it('answers 425 to an unsafe method marked Early-Data: 1; the site never sees it', async () => {
    const { handle, seen } = handler();
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      for (const path of ['/account', '/api/order']) {
        const response = await handle(request(method, path, { 'early-data': '1' }));
        expect(response.status).toBe(425);
        expect(response.headers.get('cache-control')).toBe('no-store');
        expect(response.headers.get('cache-digest-push')).toBeNull();
        expect(await response.text()).toMatch(/Too Early/);
      }
    }
    expect(seen).toEqual([]);
  });

  it('passes safe methods from early data, and unsafe ones without it; the page keeps its delivery', async () => {
    const { handle, seen } = handler();
    const page = await handle(request('GET', '/account', { 'early-data': '1' }));
    expect(page.status).toBe(200);
    expect(parseSummaryHeader(page.headers.get('cache-digest-push'))).toMatchObject({ mode: 'hints', pushed: FIXTURE_ASSETS.length });
    expect(await page.text()).toBe('<!doctype html><p>account');
    expect((await handle(request('HEAD', '/account', { 'early-data': '1' }))).status).toBe(200);
    expect((await handle(request('OPTIONS', '/api/order', { 'early-data': '1' }))).status).not.toBe(425);
    expect((await handle(request('POST', '/api/order'))).status).not.toBe(425);
    expect(seen).toEqual(['GET /account', 'HEAD /account', 'OPTIONS /api/order', 'POST /api/order']);
  });

  it('refuseUnsafeEarlyData: false lets the site decide', async () => {
    const { handle, seen } = handler({ refuseUnsafeEarlyData: false });
    const response = await handle(request('POST', '/api/order', { 'early-data': '1' }));
    expect(response.status).not.toBe(425);
    expect(seen).toEqual(['POST /api/order']);
  });
});
