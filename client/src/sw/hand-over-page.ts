import { PAGE_SETS_COOKIE_HEADER } from '@cache-digest/shared';

/**
 * What a navigation answered by a push stream resolves to, once its page part
 * is verified: the page part, carrying the stream response's summary and
 * Server-Timing (the page reads the summary from its navigation's entry);
 * or, for a page that set a cookie (which a synthesized response cannot
 * carry, docs/push-stream.md), the network's answer to the navigation itself,
 * the stream's assets being cached all the same.
 */
export function handOverPage(request: Request, stream: Response, page: Response): Response | Promise<Response> {
  if (page.headers.has(PAGE_SETS_COOKIE_HEADER)) return fetch(request);
  for (const name of ['cache-digest-push', 'server-timing']) {
    const value = stream.headers.get(name);
    if (value !== null) page.headers.set(name, value);
  }
  return page;
}
