import { PUSH_STREAM_CONTENT_TYPE } from '@cache-digest/shared';

/** True when a navigation's response is a push stream (docs/push-stream.md) this worker may read. */
export function isPushStream(response: Response): boolean {
  const type = response.headers.get('content-type') ?? '';
  return (
    response.status === 200 &&
    response.type === 'basic' &&
    response.body !== null &&
    response.headers.has('push-stream-urls') &&
    type.replace(/\s+/g, '').toLowerCase() === PUSH_STREAM_CONTENT_TYPE.replace(/\s+/g, '')
  );
}
