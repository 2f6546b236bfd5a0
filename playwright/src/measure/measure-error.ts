/** A failure of `cache-digest measure` that is the input's fault (bad URL, refused connection, certificate): one line, exit 1. */
export class MeasureError extends Error {
  override name = 'MeasureError';
}
