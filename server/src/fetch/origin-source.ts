import { SourceError, type AssetSource } from './asset-source.ts';

/** Options of {@link originSource}. */
export interface OriginSourceOptions {
  /** Time to wait for the origin's response head, in ms (default 10,000); then 504. */
  timeoutMs?: number;
  /** The fetch to use (default the global one; a Cloudflare service binding's `fetch` works). */
  fetch?: (request: Request) => Promise<Response>;
}

/** Headers describing one hop or the transfer encoding, which a proxy never forwards. */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer'];

/**
 * An {@link AssetSource} that fetches from an origin (proxy mode): the same
 * path and query on `origin`, the client's request forwarded as it is for
 * pages (method, headers, body; redirects passed back, not followed), a
 * plain identity-encoded GET for assets to push. A body that fetch decoded
 * loses its `content-encoding` and `content-length`; an identity body keeps
 * its length, so a body the origin cuts short never looks complete. An
 * origin that cannot be reached or resets before its head throws a
 * {@link SourceError} 502; one that sends no head within `timeoutMs`, 504.
 */
export function originSource(origin: string | URL, options: OriginSourceOptions = {}): AssetSource {
  const base = new URL(origin);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const send = options.fetch ?? ((request: Request) => fetch(request));
  return async (url, request) => {
    // Path and query replaced, never resolved: a path such as `//other.example/` must not change the host.
    const target = new URL(base);
    target.pathname = url.pathname;
    target.search = url.search;
    const abort = new AbortController();
    const clientSignal = request?.signal;
    const onClientAbort = () => abort.abort(clientSignal?.reason);
    clientSignal?.addEventListener('abort', onClientAbort, { once: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      abort.abort(new SourceError(504, `origin sent no response head within ${timeoutMs} ms`));
    }, timeoutMs);
    let forwarded: Request;
    if (request) {
      const headers = new Headers(request.headers);
      for (const name of HOP_BY_HOP) headers.delete(name);
      headers.delete('host'); // fetch sets the origin's own
      const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
      forwarded = new Request(target, {
        method: request.method,
        headers,
        redirect: 'manual',
        signal: abort.signal,
        ...(hasBody ? { body: request.body, duplex: 'half' } : {}),
      } as RequestInit);
    } else {
      forwarded = new Request(target, { headers: { 'accept-encoding': 'identity' }, redirect: 'manual', signal: abort.signal });
    }
    let response: Response;
    try {
      response = await send(forwarded);
    } catch (error) {
      if (timedOut) throw new SourceError(504, `origin sent no response head within ${timeoutMs} ms`);
      throw new SourceError(502, `origin unreachable: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      clearTimeout(timer);
      clientSignal?.removeEventListener('abort', onClientAbort);
    }
    const headers = new Headers(response.headers);
    for (const name of HOP_BY_HOP) headers.delete(name);
    const coding = headers.get('content-encoding');
    if (coding && coding.trim().toLowerCase() !== 'identity') {
      // fetch decoded the body: its coding and encoded length no longer apply.
      headers.delete('content-encoding');
      headers.delete('content-length');
    }
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  };
}
