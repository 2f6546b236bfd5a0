/** The content type of a push-stream response (docs/push-stream.md). */
export const PUSH_STREAM_CONTENT_TYPE = 'application/vnd.cache-digest.push-stream; v=1';
