/**
 * The body of the 200 response cache `cacheName` holds for `url`
 * (identity-encoded), or undefined: where a delta part's base comes from.
 */
export async function cachedBody(cacheName: string, url: string): Promise<Uint8Array | undefined> {
  const cached = await (await caches.open(cacheName)).match(url, { ignoreVary: true });
  if (!cached || cached.status !== 200 || (cached.headers.get('content-encoding') ?? 'identity') !== 'identity') return undefined;
  return new Uint8Array(await cached.arrayBuffer());
}
