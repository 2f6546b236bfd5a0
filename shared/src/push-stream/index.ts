export { PushStreamWriter } from './push-stream-writer.ts';
export { PushStreamReader } from './push-stream-reader.ts';
export { isSameOriginPath } from './is-same-origin-path.ts';
export { PUSH_STREAM_CONTENT_TYPE } from './content-type.ts';
export type {
  PushStreamAbortEvent,
  PushStreamDataEvent,
  PushStreamEndEvent,
  PushStreamEvent,
  PushStreamFinEvent,
  PushStreamHead,
  PushStreamHeadEvent,
  PushStreamRole,
} from './types.ts';
export { contentDigestValue, needsBodySha256, partIntegrityProblem } from './content-digest.ts';
export { GzipSplicer, type DeflatePiece } from './gzip-splicer.ts';
export { crc32Combine } from './crc32-combine.ts';
