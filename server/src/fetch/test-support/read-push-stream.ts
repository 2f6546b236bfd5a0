import { PushStreamReader, type PushStreamHead } from '@cache-digest/shared';

/** One part of a push stream as a test sees it. */
export interface ReadPart extends PushStreamHead {
  body: string;
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
      if (event.type === 'head') parts.set(event.part, { url: event.url, status: event.status, headers: event.headers, role: event.role, body: '', outcome: 'open' });
      else if (event.type === 'data') parts.get(event.part)!.body += decoder.decode(event.bytes);
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
