/**
 * One push-stream frame as raw bytes (type, part, length, payload), for
 * tests that need frames the writer refuses to make: foreign URLs, bad
 * fields, frames out of order.
 */
export function rawFrame(type: number, part: number, payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(7 + payload.length);
  const view = new DataView(frame.buffer);
  view.setUint8(0, type);
  view.setUint16(1, part);
  view.setUint32(3, payload.length);
  frame.set(payload, 7);
  return frame;
}
