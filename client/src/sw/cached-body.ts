/** Deflate's window: a delta refers at most this far back into its base. */
const WINDOW_BYTES = 32 * 1024;

/**
 * The last 32 KiB (all a delta can refer to) of the body of the 200 response
 * cache `cacheName` holds for `url` (as the browser decoded it), or
 * undefined: where a delta part's base comes from. Only that tail is kept
 * while the part arrives.
 */
export async function cachedBody(cacheName: string, url: string): Promise<Uint8Array | undefined> {
  const cached = await (await caches.open(cacheName)).match(url, { ignoreVary: true });
  return cached?.status === 200 ? new Uint8Array(await cached.arrayBuffer()).slice(-WINDOW_BYTES) : undefined;
}
