import { concatBytes } from './concat-bytes.ts';

/** The whole body, or undefined once it exceeds `limit` bytes (then the read is cancelled). */
export async function readBounded(response: Response, limit: number): Promise<Uint8Array | undefined> {
  const reader = response.body!.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.length;
    if (length > limit) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return concatBytes(chunks, length);
}
