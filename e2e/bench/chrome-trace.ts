// A Chrome trace of one visit (DevTools protocol Tracing), written to a file for chrome://tracing or Perfetto,
// and a summary of what kept the page's main thread and the Service Worker's thread busy: the part of a
// visit's time after its first byte that Resource Timing cannot attribute (think-time-trace.ts --trace).
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { BrowserContext, CDPSession, Page } from 'playwright-core';

const CATEGORIES = [
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'v8.execute',
  'blink.user_timing',
  'toplevel',
  'loading',
  'ServiceWorker',
  'v8',
  'disabled-by-default-v8.compile',
];

// Slices worth naming in the timeline (the rest are counted in their thread's busy time only).
const NAMED = /^(ParseHTML|EvaluateScript|v8\.compileModule|v8\.evaluateModule|v8\.compile|v8\.run|FunctionCall|ParseAuthorStyleSheet|UpdateLayoutTree|Layout|Paint|PrePaint|Commit|ResourceReceivedData|ResourceFinish|CommitLoad|DispatchFetchEvent|ServiceWorker|FetchEvent|RunMicrotasks|TimerFire|EventDispatch|v8\.produceModuleCache|v8\.produceCache|CompileCode|CompileScript)/;

interface TraceEvent {
  name: string;
  cat: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  args?: { name?: string; data?: Record<string, unknown> };
}

/** A running trace; {@link stop} writes it and returns its summary. */
export class ChromeTrace {
  private constructor(private readonly cdp: CDPSession) {}

  /**
   * Starts tracing the whole browser (every process) through the page's DevTools session; with `samples`,
   * V8's sampling profiler too (JavaScript functions by self time: it slows every thread a little).
   */
  static async start(context: BrowserContext, page: Page, samples = false): Promise<ChromeTrace> {
    const cdp = await context.newCDPSession(page);
    const includedCategories = samples ? [...CATEGORIES, 'disabled-by-default-v8.cpu_profiler'] : CATEGORIES;
    await cdp.send('Tracing.start', { transferMode: 'ReturnAsStream', traceConfig: { includedCategories } });
    return new ChromeTrace(cdp);
  }

  /** Ends the trace, writes it to `file`, and returns its summary. */
  async stop(file: string): Promise<TraceSummary> {
    const complete = new Promise<string>((resolve) => this.cdp.once('Tracing.tracingComplete', ({ stream }) => resolve(stream!)));
    await this.cdp.send('Tracing.end');
    const handle = await complete;
    let text = '';
    for (;;) {
      const chunk = await this.cdp.send('IO.read', { handle, size: 1 << 20 });
      text += chunk.base64Encoded ? Buffer.from(chunk.data, 'base64').toString('utf8') : chunk.data;
      if (chunk.eof) break;
    }
    await this.cdp.send('IO.close', { handle });
    await this.cdp.detach();
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, text);
    const parsed = JSON.parse(text) as TraceEvent[] | { traceEvents: TraceEvent[] };
    return new TraceSummary(Array.isArray(parsed) ? parsed : parsed.traceEvents);
  }
}

/** What a trace says about the page's main thread and the worker's thread during the visit. */
export class TraceSummary {
  constructor(private readonly events: TraceEvent[]) {}

  /** Lines: per thread, busy time in the visit; then a timeline of the named slices of 1 ms or more. */
  busy(loadMs: number): string[] {
    const names = new Map<string, string>();
    for (const event of this.events) {
      if (event.ph === 'M' && event.name === 'thread_name') names.set(`${event.pid}:${event.tid}`, String(event.args?.name));
    }
    // The visit's navigation start: the last main-frame navigationStart of an https document.
    const starts = this.events.filter(
      (event) => event.name === 'navigationStart' && String(event.args?.data?.documentLoaderURL ?? '').startsWith('https:') && event.args?.data?.isLoadingMainFrame === true,
    );
    const start = starts.at(-1);
    if (!start) return ['no navigationStart in the trace'];
    const t0 = start.ts;
    const t1 = t0 + loadMs * 1000;
    const watched = (key: string): boolean => /CrRendererMain|ServiceWorker|Worker/i.test(names.get(key) ?? '');
    const busy = new Map<string, number>();
    const lines: string[] = [];
    const slices = this.events
      .filter((event) => event.ph === 'X' && event.dur !== undefined && event.ts + event.dur >= t0 && event.ts <= t1 && watched(`${event.pid}:${event.tid}`))
      .sort((a, b) => a.ts - b.ts);
    for (const slice of slices) {
      const key = `${slice.pid}:${slice.tid}`;
      if (slice.cat.includes('toplevel')) busy.set(key, (busy.get(key) ?? 0) + (Math.min(slice.ts + slice.dur!, t1) - Math.max(slice.ts, t0)) / 1000);
      if (NAMED.test(slice.name) && slice.dur! >= 1000) {
        const url = String(slice.args?.data?.url ?? slice.args?.data?.fileName ?? '').replace(/^https:\/\/[^/]+/, '');
        lines.push(`+${((slice.ts - t0) / 1000).toFixed(1)} ms ${names.get(key)} ${slice.name} ${(slice.dur! / 1000).toFixed(1)} ms${url ? ` ${url}` : ''}`);
      }
    }
    const totals = [...busy].map(([key, ms]) => `${names.get(key)} (pid ${key.split(':')[0]}) busy ${ms.toFixed(1)} ms`);
    return [...totals, ...lines.slice(0, 80)];
  }
}
