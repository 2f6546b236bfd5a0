// Wire constants of the push stream (docs/push-stream.md). Internal to the codec.

/** "CDPS" followed by the format version, 1. */
export const MAGIC = Uint8Array.of(0x43, 0x44, 0x50, 0x53, 0x01);

/** type:u8 part:u16 length:u32 */
export const FRAME_HEADER_BYTES = 7;

export const FRAME_HEAD = 0x01;
export const FRAME_DATA = 0x02;
export const FRAME_END = 0x03;
export const FRAME_ABORT = 0x04;
export const FRAME_FIN = 0x0f;

/** The format caps every frame's payload at 1 MiB; readers reject larger frames. */
export const MAX_FRAME_BYTES = 1024 * 1024;

/** Largest part number a u16 can carry. */
export const MAX_PART = 0xffff;
