/**
 * The body of the 200 response cache `cacheName` holds for `url` (as the
 * browser decoded it), or undefined: where a delta part's base comes from.
 */
export async function cachedBody(cacheName: string, url: string): Promise<Uint8Array | undefined> {
  const cached = await (await caches.open(cacheName)).match(url, { ignoreVary: true });
  return cached?.status === 200 ? new Uint8Array(await cached.arrayBuffer()) : undefined;
}
