/**
 * The same response with a body that passes through untouched while its
 * first `maxBytes` are kept; `onComplete` gets them (UTF-8) only once the
 * body has been read to its end without error, and only for a 200
 * `text/html` response without a content coding. Any other response is
 * returned as it is. Runtime-neutral (Web streams).
 */
export function tapHtmlHead(response: Response, maxBytes: number, onComplete: (html: string) => void): Response {
  const type = response.headers.get('content-type') ?? '';
  const coding = (response.headers.get('content-encoding') ?? 'identity').toLowerCase();
  if (response.status !== 200 || !/^\s*text\/html\b/i.test(type) || coding !== 'identity' || !response.body) return response;
  const chunks: Uint8Array[] = [];
  let captured = 0;
  const tap = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      if (captured < maxBytes) {
        const part = chunk.slice(0, maxBytes - captured);
        chunks.push(part);
        captured += part.byteLength;
      }
      controller.enqueue(chunk);
    },
    // Runs only when the body ended cleanly: a failed or cancelled body teaches nothing.
    flush() {
      if (captured === 0) return;
      const bytes = new Uint8Array(captured);
      let offset = 0;
      for (const chunk of chunks) {
        bytes.set(chunk, offset);
        offset += chunk.byteLength;
      }
      onComplete(new TextDecoder().decode(bytes));
    },
  });
  return new Response(response.body.pipeThrough(tap), { status: response.status, statusText: response.statusText, headers: response.headers });
}
