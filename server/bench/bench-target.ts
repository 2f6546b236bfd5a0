// One server under load for `npm run bench:server`, in a process of its own
// (so the servers never share a CPU budget or a heap). Reads a JSON config
// from argv[2], prints `port N` once listening, exits on SIGTERM.
//   kind kit:  the kit as `cache-digest serve` runs it (StaticSite + middleware,
//              default one-line log to stdout, which the driver discards).
//   kind kit, tableOnly: the kit's request path alone (answerFromTable) on a
//              bare node:http2 server, without the server's bookkeeping.
//   kind bare: a bare node:http2 server (stream API) answering each path
//              with captured headers and bytes from memory: the ceiling.
import http2 from 'node:http2';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { hashKeyNode } from '@cache-digest/shared/node';
import { answerFromTable } from '../src/adapters/answer-from-table.ts';
import { createCacheDigestServer } from '../src/adapters/create-cache-digest-server.ts';
import { CacheDigestCore } from '../src/core/cache-digest-core.ts';
import { bufferedLog } from '../src/adapters/buffered-log.ts';
import type { DeliveryMode } from '../src/core/types.ts';
import type { PushManifest } from '../src/manifest/index.ts';
import { StaticSite } from '../src/static/index.ts';

/** A captured response the bare server replays. */
export interface CapturedResponse {
  headers: Record<string, string | string[]>;
  /** Base64 of the body. */
  body: string;
  /** Link values of a 103 sent first, if any. */
  earlyLinks?: string[];
}

export type TargetConfig =
  | { kind: 'kit'; root: string; manifest: PushManifest; mode: DeliveryMode; digestCacheSize?: number; log: 'none' | 'summary' | 'full'; cert: string; key: string; tableOnly?: boolean }
  | { kind: 'bare'; responsesFile: string; cert: string; key: string; api?: 'stream' | 'compat' };

const config = JSON.parse(process.argv[2]!) as TargetConfig;
let listen: (port: number, host: string, done: () => void) => void;
let address: () => number;

if (config.kind === 'kit' && config.tableOnly) {
  // The kit's request path alone (file table, core, answerFromTable) on a bare node:http2 server, without the
  // server's per-stream bookkeeping (limits, timeouts, counts): what of the gap to bare is the path, what the server.
  const log = bufferedLog();
  const site = new StaticSite({ root: config.root });
  const core = new CacheDigestCore({ pages: config.manifest.pages, mode: config.mode, hash: hashKeyNode, log: log.write, logLevel: config.log, ...(config.digestCacheSize === undefined ? {} : { digestCacheSize: config.digestCacheSize }) });
  const fromTable = answerFromTable({ site, core });
  const server = http2.createSecureServer({ cert: config.cert, key: config.key });
  server.on('stream', (stream, headers) => {
    if (fromTable(stream, headers)) return;
    // Not described yet (the first request of a path): described here, answered plainly.
    void site.handle({ method: headers[':method'] ?? 'GET', path: headers[':path'] ?? '/', headers }).then((response) => {
      if (stream.destroyed) return;
      stream.respond({ ...response.headers, ':status': response.status });
      stream.end(response.body instanceof Uint8Array ? response.body : undefined);
    });
  });
  server.on('sessionError', () => {});
  listen = (port, host, done) => server.listen(port, host, done);
  address = () => (server.address() as AddressInfo).port;
  process.once('SIGTERM', () => {
    log.flush();
    process.exit(0);
  });
} else if (config.kind === 'kit') {
  const log = bufferedLog();
  const instance = createCacheDigestServer({
    site: new StaticSite({ root: config.root }),
    cert: config.cert,
    key: config.key,
    pages: config.manifest.pages,
    mode: config.mode,
    log: log.write,
    logLevel: config.log,
    ...(config.digestCacheSize === undefined ? {} : { digestCacheSize: config.digestCacheSize }),
  });
  listen = (port, host, done) => instance.server.listen(port, host, done);
  process.once('SIGTERM', () => {
    log.flush();
    process.exit(0);
  });
  address = () => (instance.server.address() as AddressInfo).port;
} else {
  const responses = new Map<string, { headers: http2.OutgoingHttpHeaders; body: Buffer; early?: string[] }>();
  for (const [path, captured] of Object.entries(JSON.parse(readFileSync(config.responsesFile, 'utf8')) as Record<string, CapturedResponse>)) {
    responses.set(path, { headers: captured.headers, body: Buffer.from(captured.body, 'base64'), ...(captured.earlyLinks ? { early: captured.earlyLinks } : {}) });
  }
  const server = http2.createSecureServer({ cert: config.cert, key: config.key });
  // The compatibility API (req/res objects, as the kit's adapter uses) costs Node some of its speed: measured apart.
  if (config.api === 'compat') {
    server.on('request', (req, res) => {
      const found = responses.get(req.url);
      if (!found) {
        res.writeHead(404).end();
        return;
      }
      if (found.early) res.stream.additionalHeaders({ ':status': 103, link: found.early });
      const headers = { ...found.headers };
      delete headers[':status'];
      res.writeHead(200, headers);
      res.end(found.body);
    });
  } else server.on('stream', (stream, headers) => {
    const found = responses.get(headers[':path'] ?? '/');
    if (!found) {
      stream.respond({ ':status': 404 });
      stream.end();
      return;
    }
    if (found.early) stream.additionalHeaders({ ':status': 103, link: found.early });
    stream.respond(found.headers);
    stream.end(found.body);
  });
  server.on('sessionError', () => {});
  listen = (port, host, done) => server.listen(port, host, done);
  address = () => (server.address() as AddressInfo).port;
  process.once('SIGTERM', () => process.exit(0));
}

// On stderr: stdout carries the kit's log, which the driver discards.
listen(0, '127.0.0.1', () => console.error(`port ${address()}`));
