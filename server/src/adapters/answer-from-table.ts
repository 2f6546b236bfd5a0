import type { IncomingHttpHeaders, OutgoingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { CacheDigestCore, DeliveryOutcome, PageRecorder, PageResponseHeaders } from '../core/cache-digest-core.ts';
import { earlyHintLinks, pageHeaderWrites } from '../core/page-header-writes.ts';
import type { DeliveryPlan, PageAsset, PageRequest } from '../core/types.ts';
import { mediaTypeEssence, type StaticResponse, type StaticSite } from '../static/index.ts';

/** What {@link answerFromTable} serves from. */
export interface TableAnswerOptions {
  site: StaticSite;
  core: CacheDigestCore;
  /** Pages are served by something else (the loader injector): only non-HTML files are answered here. */
  pagesElsewhere?: boolean;
}

/**
 * The node:http2 hot path: answers a stream straight from the site's file
 * table through the stream API (no compatibility req/res objects, no header
 * patching), when everything is already in memory: a described static file,
 * or a page in `hints`, `links` or `off` delivery whose bytes are at hand.
 * Returns false, having written nothing, for anything else (push, stream,
 * a file not described yet, a body to read or compress first), which the
 * caller then serves the ordinary way. The headers are the ones that way
 * gives; a page ready at once sends its 103 Early Hints in the same turn,
 * just before the page (a timer there would only delay a page that is ready).
 */
export function answerFromTable(options: TableAnswerOptions): (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => boolean {
  const { site, core } = options;
  const mayPush = core.mode === 'push' || core.mode === 'auto';
  // Per page and decision (see signatureOf): what was done, the delivery's headers, the 103, the recorder, and per file head and status the merged head.
  const decisions = new WeakMap<readonly PageAsset[], Map<string, Decided>>();
  const byPlan = new WeakMap<DeliveryPlan, Decided>();

  return (stream, headers) => {
    const method = headers[':method'];
    if (method !== 'GET' && method !== 'HEAD') return false;
    const path = headers[':path'] ?? '/';
    const assets = core.pageAssets(path);
    if (assets && options.pagesElsewhere) return false;
    const request = { method, path, headers };
    const response = site.answerNow(request);
    if (!response || response.body instanceof Uint8Array === false && response.body !== null) return false;
    if (options.pagesElsewhere && mediaTypeEssence(response.headers['content-type'] ?? '') === 'text/html') return false;
    if (stream.destroyed || stream.headersSent) return true;
    if (!assets) {
      send(stream, method, response, response.status === 200 ? response.headers : { ...response.headers, ':status': response.status });
      return true;
    }

    const page: PageRequest = {
      method,
      path,
      authority: first(headers[':authority']) ?? first(headers['host']) ?? 'localhost',
      scheme: first(headers[':scheme']) ?? 'https',
      headers,
      http2: true,
      pushEnabled: mayPush && stream.pushAllowed && Boolean(stream.session?.remoteSettings.enablePush),
    };
    const plan = core.plan(page, assets);
    if (plan.mode === 'push' || plan.mode === 'stream') return false;
    // A plan the core shares (the same digest again) finds its decision at once; a new plan looks it up by what it decided.
    let decided = byPlan.get(plan);
    if (!decided) {
      let byPage = decisions.get(assets);
      if (!byPage) decisions.set(assets, (byPage = new Map()));
      const signature = signatureOf(plan);
      decided = byPage.get(signature);
      if (!decided) {
        const outcome = outcomeOf(plan);
        const earlyLinks = earlyHintLinks(plan, outcome, (asset) => core.linksOf(asset).preload);
        decided = {
          outcome,
          delivery: core.pageHeaders(plan, outcome),
          // One field: a Link value is a list (RFC 8288), and one field costs HPACK and Node less than twelve.
          earlyHints: earlyLinks.length > 0 ? { ':status': 103, link: earlyLinks.join(', ') } : undefined,
          // Built from a plan without skipped members only: its log line is shared by every such plan.
          record: plan.digestError === undefined ? core.recorder(plan, outcome) : undefined,
          heads: new WeakMap(),
          lastHeaders: undefined,
          lastStatus: 0,
          lastHead: undefined,
        };
        // Bounded: a client's digest picks the states and the entry count.
        if (byPage.size >= 256) byPage.clear();
        byPage.set(signature, decided);
      }
      byPlan.set(plan, decided);
    }
    const status = response.status;
    let head = decided.lastHeaders === response.headers && decided.lastStatus === status ? decided.lastHead! : undefined;
    if (!head) {
      let byStatus = decided.heads.get(response.headers);
      if (!byStatus) decided.heads.set(response.headers, (byStatus = new Map()));
      head = byStatus.get(status);
      if (!head) {
        const merged: OutgoingHttpHeaders = { ...response.headers };
        const view = { get: (name: string) => response.headers[name] };
        for (const [name, value] of pageHeaderWrites(decided.delivery, view, status)) merged[name] = value;
        if (status !== 200) merged[':status'] = status;
        head = merged;
        byStatus.set(status, head);
      }
      decided.lastHeaders = response.headers;
      decided.lastStatus = status;
      decided.lastHead = head;
    }
    if (status < 400 && decided.earlyHints) stream.additionalHeaders(decided.earlyHints);
    send(stream, method, response, head);
    // The log line names the skipped members of this request's digest: only a plan without them shares the decision's recorder.
    if (plan.digestError === undefined) (decided.record ??= core.recorder(plan, decided.outcome))(method, path, status);
    else core.record(page, plan, decided.outcome, status);
    return true;
  };
}

interface Decided {
  outcome: DeliveryOutcome;
  delivery: PageResponseHeaders;
  earlyHints: OutgoingHttpHeaders | undefined;
  record: PageRecorder | undefined;
  heads: WeakMap<object, Map<number, OutgoingHttpHeaders>>;
  // The head last sent, for the file head and status it was merged with (a page's head rarely changes).
  lastHeaders: object | undefined;
  lastStatus: number;
  lastHead: OutgoingHttpHeaders | undefined;
}

/** What of a plan the page's headers and outcome depend on: mode, digest status and size, the risk fields, each asset's state. */
function signatureOf(plan: DeliveryPlan): string {
  let states = '';
  for (const entry of plan.assets) states += entry.state === 'missing' ? 'm' : entry.state === 'fresh' ? 'f' : 's';
  const risk = plan.digestRisk;
  return `${plan.mode} ${plan.digestStatus} ${plan.digestEntries} ${risk ? `${risk.pBits} ${risk.length}` : ''} ${states}`;
}

function outcomeOf(plan: DeliveryPlan): DeliveryOutcome {
  if (plan.mode === 'off') return { pushed: [], skipped: [] };
  const pushed: PageAsset[] = [];
  const skipped: PageAsset[] = [];
  for (const entry of plan.assets) (entry.state === 'missing' ? pushed : skipped).push(entry.asset);
  return { pushed, skipped };
}

function send(stream: ServerHttp2Stream, method: string, response: StaticResponse, head: OutgoingHttpHeaders): void {
  const body = response.body as Uint8Array | null;
  if (method === 'HEAD' || body === null || body.byteLength === 0) {
    stream.respond(head, { endStream: true });
    return;
  }
  stream.respond(head);
  stream.end(body);
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
