import http2, { type Http2Session, type ServerHttp2Stream } from 'node:http2';
import type { PageAsset } from '../core/types.ts';
import type { AssetReader } from './asset-reader.ts';

/** What one connection has been pushed, so nothing is pushed twice on it. */
interface SessionPushState {
  pushed: Set<string>;
  active: number;
}

// Bounded per connection: a long-lived connection stops remembering after this many URLs.
const MAX_REMEMBERED_PUSHES = 4096;
const sessions = new WeakMap<Http2Session, SessionPushState>();
const DEFAULT_PUSH_IDLE_TIMEOUT_MS = 30_000;

function sessionState(session: Http2Session): SessionPushState {
  let state = sessions.get(session);
  if (!state) {
    state = { pushed: new Set(), active: 0 };
    sessions.set(session, state);
  }
  return state;
}

/** The result of {@link pushAssets}: what was promised, what was not, and a way to cancel what has not started. */
export interface PushResult {
  /** Assets a PUSH_PROMISE was sent for. */
  pushed: PageAsset[];
  /** Assets already pushed earlier on this connection. */
  alreadyPushed: PageAsset[];
  /** Assets that could not be pushed (stream limit, push refused): the page should preload them instead. */
  notPushed: PageAsset[];
  /** Cancels pushes whose response has not started (the page turned out to be an error). */
  cancel(): void;
}

/**
 * Sends a PUSH_PROMISE for each asset, in order, synchronously (so they
 * precede the page's HEADERS and body), within the client's
 * SETTINGS_MAX_CONCURRENT_STREAMS and never twice on one connection. The
 * pushed responses then follow in the same order, each with complete headers
 * (content-type, content-length, etag, cache-control) and
 * `x-http2-push: pushed`, as H2O marks them.
 */
export function pushAssets(
  stream: ServerHttp2Stream,
  assets: readonly PageAsset[],
  read: AssetReader,
  options: { idleTimeoutMs?: number } = {},
): PushResult {
  const result: PushResult = { pushed: [], alreadyPushed: [], notPushed: [], cancel: () => {} };
  const session = stream.session;
  if (!session || stream.destroyed || !stream.pushAllowed || !session.remoteSettings.enablePush) {
    result.notPushed.push(...assets);
    return result;
  }
  const state = sessionState(session);
  const limit = session.remoteSettings.maxConcurrentStreams ?? 100;
  const promised: { asset: PageAsset; push: Promise<ServerHttp2Stream | null> }[] = [];
  for (const asset of assets) {
    if (state.pushed.has(asset.url)) {
      result.alreadyPushed.push(asset);
      continue;
    }
    if (state.active >= limit) {
      result.notPushed.push(asset);
      continue;
    }
    try {
      let settle!: (pushStream: ServerHttp2Stream | null) => void;
      const push = new Promise<ServerHttp2Stream | null>((resolve) => (settle = resolve));
      stream.pushStream({ ':path': asset.url }, (error, pushStream) => {
        if (error) {
          state.active--;
          settle(null);
          return;
        }
        pushStream.on('error', () => {}); // a client's RST_STREAM (it had the asset after all) is not our failure
        // A push the client never reads (flow-control window kept shut) is reset, and its buffers freed.
        pushStream.setTimeout(options.idleTimeoutMs ?? DEFAULT_PUSH_IDLE_TIMEOUT_MS, () => {
          if (!pushStream.destroyed) pushStream.close(http2.constants.NGHTTP2_CANCEL);
        });
        pushStream.once('close', () => state.active--);
        settle(pushStream);
      });
      state.active++;
      if (state.pushed.size >= MAX_REMEMBERED_PUSHES) state.pushed.delete(state.pushed.values().next().value!);
      state.pushed.add(asset.url);
      result.pushed.push(asset);
      promised.push({ asset, push });
    } catch {
      // ERR_HTTP2_PUSH_DISABLED, stream limit or a closing session: the page preloads it instead.
      result.notPushed.push(asset);
    }
  }
  let cancelled = false;
  result.cancel = () => {
    cancelled = true;
  };
  void respondInOrder(promised, read, () => cancelled);
  return result;
}

/** Reads and answers the promised pushes one after the other, so CSS goes out before scripts and images. */
async function respondInOrder(
  promised: { asset: PageAsset; push: Promise<ServerHttp2Stream | null> }[],
  read: AssetReader,
  isCancelled: () => boolean,
): Promise<void> {
  for (const { asset, push } of promised) {
    const pushStream = await push;
    if (!pushStream || pushStream.destroyed) continue;
    try {
      const response = isCancelled() ? null : await read(asset);
      if (!response || pushStream.destroyed) {
        if (!pushStream.destroyed) pushStream.close(isCancelled() ? http2.constants.NGHTTP2_CANCEL : http2.constants.NGHTTP2_REFUSED_STREAM);
        continue;
      }
      pushStream.respond({ ':status': 200, ...response.headers, 'x-http2-push': 'pushed' });
      pushStream.end(response.body);
    } catch {
      if (!pushStream.destroyed) pushStream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
    }
  }
}
