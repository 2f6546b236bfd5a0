import { syncFlushed } from './sync-flushed.ts';

/**
 * Raw deflate of `bytes` ending with a sync flush (a piece `GzipSplicer`
 * can join), made with the runtime's own `CompressionStream` (workerd,
 * Deno, Bun, Node, browsers): no Node module, no per-runtime code.
 */
export async function webDeflate(bytes: Uint8Array): Promise<Uint8Array> {
  const compressed = new Response(bytes as Uint8Array<ArrayBuffer>).body!.pipeThrough(new CompressionStream('deflate-raw'));
  return syncFlushed(new Uint8Array(await new Response(compressed).arrayBuffer()));
}
