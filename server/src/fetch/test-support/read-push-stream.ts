import { PushStreamReader, type PushStreamHead } from '@cache-digest/shared';

/** One part of a push stream as a test sees it. */
export interface ReadPart extends PushStreamHead {
  body: string;
  /** The body's bytes as they came (a delta part's are not text). */
  bytes: Uint8Array;
  /** `end` with a matching length and CRC, `abort`, or `open` when the stream stopped first. */
  outcome: 'end' | 'bad-end' | 'abort' | 'open';
}

/** Reads a whole push-stream response: its parts, whether FIN arrived, and whether the body failed. */
export async function readPushStream(response: Response): Promise<{ parts: ReadPart[]; fin: boolean; failed: boolean }> {
  const reader = new PushStreamReader();
  const parts = new Map<number, ReadPart>();
  const decoder = new TextDecoder();
  let fin = false;
  let failed = false;
  const apply = (events: ReturnType<PushStreamReader['push']>) => {
    for (const event of events) {
      if (event.type === 'head') parts.set(event.part, { url: event.url, status: event.status, headers: event.headers, role: event.role, ...(event.deltaBase ? { deltaBase: event.deltaBase } : {}), body: '', bytes: new Uint8Array(0), outcome: 'open' });
      else if (event.type === 'data') {
        const part = parts.get(event.part)!;
        part.body += decoder.decode(event.bytes);
        const bytes = new Uint8Array(part.bytes.byteLength + event.bytes.byteLength);
        bytes.set(part.bytes);
        bytes.set(event.bytes, part.bytes.byteLength);
        part.bytes = bytes;
      }
      else if (event.type === 'end') parts.get(event.part)!.outcome = event.ok ? 'end' : 'bad-end';
      else if (event.type === 'abort') {
        const part = parts.get(event.part);
        if (part && part.outcome === 'open') part.outcome = 'abort';
      } else if (event.type === 'fin') fin = true;
    }
  };
  try {
    const body = response.body!.getReader();
    for (;;) {
      const { done, value } = await body.read();
      if (done) break;
      apply(reader.push(value));
    }
  } catch {
    failed = true;
  }
  return { parts: [...parts.values()], fin, failed };
}
