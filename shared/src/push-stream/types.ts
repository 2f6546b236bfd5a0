/** What a part is: the navigation's own response, or an asset the page needs. */
export type PushStreamRole = 'page' | 'asset';

/** The metadata a HEAD frame opens a part with. */
export interface PushStreamHead {
  /** Same-origin absolute path, e.g. `/assets/app.css`. */
  url: string;
  status: number;
  headers: Record<string, string>;
  role: PushStreamRole;
  /**
   * A delta part (JSON field `delta-base`): the body is raw deflate made with
   * this same-origin path's bytes as preset dictionary, to be decoded against
   * the reader's own copy of it (docs/push-stream.md, Delta parts). `headers`
   * describe the decoded body; the END frame covers the bytes as sent.
   */
  deltaBase?: string;
}

/** A part was opened (HEAD frame). */
export interface PushStreamHeadEvent extends PushStreamHead {
  type: 'head';
  part: number;
}

/** The next bytes of a part's body (DATA frame). */
export interface PushStreamDataEvent {
  type: 'data';
  part: number;
  bytes: Uint8Array;
}

/** A part is complete (END frame); `ok` is false when its length or CRC-32 did not match what arrived. */
export interface PushStreamEndEvent {
  type: 'end';
  part: number;
  ok: boolean;
}

/**
 * A part is void (ABORT frame, an ignored part, or a truncated stream):
 * its bytes must be dropped and the URL fetched from the network.
 */
export interface PushStreamAbortEvent {
  type: 'abort';
  part: number;
  reason: string;
}

/** The stream is complete (FIN frame); `parts` is the number of parts the sender opened. */
export interface PushStreamFinEvent {
  type: 'fin';
  parts: number;
}

/** Everything {@link PushStreamReader.push} can report. */
export type PushStreamEvent =
  | PushStreamHeadEvent
  | PushStreamDataEvent
  | PushStreamEndEvent
  | PushStreamAbortEvent
  | PushStreamFinEvent;
