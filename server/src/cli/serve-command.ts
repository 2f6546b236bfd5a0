import { createPrivateKey, X509Certificate } from 'node:crypto';
import { accessSync, constants, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { startServer, STATS_PATH } from '../adapters/start-server.ts';
import type { DeliveryMode } from '../core/types.ts';
import { UsageError } from './digest-commands.ts';
import type { ServerLimits } from '../adapters/server-limits.ts';
import { bufferedLog } from '../adapters/buffered-log.ts';
import { TicketKeyError } from '../tls/ticket-keys.ts';
import type { LogFormat, LogLevel } from '../core/log-line.ts';

const MODES: readonly DeliveryMode[] = ['auto', 'push', 'stream', 'hints', 'links', 'off'];
const LOG_LEVELS: readonly LogLevel[] = ['none', 'summary', 'full'];
const LOG_FORMATS: readonly LogFormat[] = ['text', 'json'];
const consoleOut = (line: string): void => console.log(line);

/**
 * `cache-digest serve DIR [--port 8443] [--host 127.0.0.1] [--cert F --key F]
 * [--mode auto|push|stream|hints|links|off] [--manifest F] [--stats]
 * [--no-client] [--inject-loader] [--log none|summary|full] [--log-format text|json]
 * [--stream-timeout S] [--idle-timeout S] [--keep-alive-timeout S] [--header-timeout S] [--max-streams N]
 * [--closed-window-streams N] [--stalled-streams N]
 * [--push-digest-scope request|connection] [--ticket-keys FILE] [--stream-compression on|off]
 * [--immutable GLOB]... [--previous DIR]...`: serves DIR over HTTP/2 + TLS (HTTP/1.1
 * fallback) until SIGINT or SIGTERM, then closes every connection and
 * resolves to 0. The client's `/cache-digest.js` and `/cache-digest-sw.js`
 * are served from memory when DIR lacks them (unless `--no-client`);
 * `--inject-loader` adds the loader's script tag to HTML pages lacking it.
 * `--immutable GLOB` (repeatable: `/assets/**`, `*.woff2`) serves matching
 * files `immutable` besides the manifest's content-hashed list (or, without
 * one, the file names that look content-hashed). `--stream-compression off`
 * sends push streams identity-encoded (default on: gzip when accepted).
 * `--previous DIR` (repeatable) names an earlier build of the site, whose
 * old hashed files serve as delta bases besides DIR's own.
 * `--delta-parts off` sends no delta parts (docs/push-stream.md).
 */
export async function serveCommand(args: string[], out: (line: string) => void = consoleOut): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      port: { type: 'string', default: '8443' },
      host: { type: 'string', default: '127.0.0.1' },
      cert: { type: 'string' },
      key: { type: 'string' },
      mode: { type: 'string', default: 'auto' },
      manifest: { type: 'string' },
      immutable: { type: 'string', multiple: true },
      stats: { type: 'boolean', default: false },
      'no-client': { type: 'boolean', default: false },
      'inject-loader': { type: 'boolean', default: false },
      // Limits (seconds / count); defaults in DEFAULT_SERVER_LIMITS.
      'stream-timeout': { type: 'string' },
      'idle-timeout': { type: 'string' },
      'header-timeout': { type: 'string' },
      'max-streams': { type: 'string' },
      'closed-window-streams': { type: 'string' },
      'stalled-streams': { type: 'string' },
      'keep-alive-timeout': { type: 'string' },
      'push-digest-scope': { type: 'string' },
      'stream-compression': { type: 'string', default: 'on' },
      previous: { type: 'string', multiple: true },
      'delta-parts': { type: 'string', default: 'on' },
      // A TLS session ticket key file shared by restarts and processes (rotated daily).
      'ticket-keys': { type: 'string' },
      log: { type: 'string', default: 'summary' },
      'log-format': { type: 'string', default: 'text' },
    },
  });
  if (positionals.length !== 1) throw new UsageError('serve needs exactly one folder: cache-digest serve DIR');
  const root = positionals[0]!;
  let isDirectory = false;
  try {
    isDirectory = statSync(root).isDirectory();
  } catch {
    isDirectory = false;
  }
  if (!isDirectory) throw new UsageError(`serve: ${root} is not a folder`);
  try {
    accessSync(root, constants.R_OK | constants.X_OK);
  } catch {
    throw new UsageError(`serve: cannot read the folder ${root}`);
  }
  if (!/^\d{1,5}$/.test(values.port) || Number(values.port) > 65535) throw new UsageError(`serve: --port must be 0..65535, not ${values.port}`);
  if (!MODES.includes(values.mode as DeliveryMode)) throw new UsageError(`serve: --mode must be one of ${MODES.join('|')}`);
  if (!LOG_LEVELS.includes(values.log as LogLevel)) throw new UsageError(`serve: --log must be one of ${LOG_LEVELS.join('|')}`);
  if (!LOG_FORMATS.includes(values['log-format'] as LogFormat)) throw new UsageError(`serve: --log-format must be one of ${LOG_FORMATS.join('|')}`);
  // Page-request lines are batched off the request path (one write per event-loop turn) when they go to stdout.
  const requestLog = out === consoleOut ? bufferedLog(process.stdout) : undefined;
  if ((values.cert === undefined) !== (values.key === undefined)) throw new UsageError('serve: --cert and --key go together');
  const limits: ServerLimits = {};
  const positive = (name: string, text: string | undefined, scale: number): number | undefined => {
    if (text === undefined) return undefined;
    if (!/^\d+(\.\d+)?$/.test(text) || Number(text) <= 0) throw new UsageError(`serve: --${name} must be a positive number, not ${text}`);
    return Math.round(Number(text) * scale);
  };
  const streamTimeout = positive('stream-timeout', values['stream-timeout'], 1000);
  const idleTimeout = positive('idle-timeout', values['idle-timeout'], 1000);
  const headerTimeout = positive('header-timeout', values['header-timeout'], 1000);
  const maxStreams = positive('max-streams', values['max-streams'], 1);
  const closedWindowStreams = positive('closed-window-streams', values['closed-window-streams'], 1);
  if (streamTimeout !== undefined) limits.streamIdleTimeoutMs = streamTimeout;
  if (idleTimeout !== undefined) limits.sessionIdleTimeoutMs = idleTimeout;
  if (headerTimeout !== undefined) limits.headersTimeoutMs = headerTimeout;
  if (maxStreams !== undefined) limits.maxConcurrentStreams = maxStreams;
  if (closedWindowStreams !== undefined) limits.closedWindowStreams = closedWindowStreams;
  const stalledStreams = positive('stalled-streams', values['stalled-streams'], 1);
  if (stalledStreams !== undefined) limits.stalledStreams = stalledStreams;
  const keepAliveTimeout = positive('keep-alive-timeout', values['keep-alive-timeout'], 1000);
  if (keepAliveTimeout !== undefined) limits.keepAliveTimeoutMs = keepAliveTimeout;
  const scope = values['push-digest-scope'];
  if (scope !== undefined && scope !== 'request' && scope !== 'connection') throw new UsageError('serve: --push-digest-scope must be request|connection');

  const streamCompression = values['stream-compression'];
  if (streamCompression !== 'on' && streamCompression !== 'off') throw new UsageError('serve: --stream-compression must be on|off');

  const deltaParts = values['delta-parts'];
  if (deltaParts !== 'on' && deltaParts !== 'off') throw new UsageError('serve: --delta-parts must be on|off');
  for (const previous of values.previous ?? []) {
    let isDirectory = false;
    try {
      isDirectory = statSync(previous).isDirectory();
    } catch {
      // Reported below.
    }
    if (!isDirectory) throw new UsageError(`serve: --previous ${previous} is not a directory`);
  }

  for (const glob of values.immutable ?? []) {
    if (glob === '' || glob.length > 1024) throw new UsageError('serve: --immutable needs a glob such as "/assets/**" or "*.woff2"');
  }
  const tls = values.cert !== undefined && values.key !== undefined ? await readCertificate(values.cert, values.key) : {};
  const server = await startServer({
    root,
    port: Number(values.port),
    host: values.host,
    mode: values.mode as DeliveryMode,
    stats: values.stats,
    clientScripts: !values['no-client'],
    injectLoader: values['inject-loader'],
    log: requestLog ? requestLog.write : out,
    logLevel: values.log as LogLevel,
    logFormat: values['log-format'] as LogFormat,
    ...tls,
    limits,
    ...(scope !== undefined ? { pushDigestScope: scope } : {}),
    streamCompression: streamCompression === 'on',
    deltaParts: deltaParts === 'on',
    ...(values.previous ? { previousBuilds: values.previous } : {}),
    ...(values.manifest !== undefined ? { manifest: values.manifest } : {}),
    ...(values['ticket-keys'] !== undefined ? { ticketKeys: values['ticket-keys'] } : {}),
    ...(values.immutable ? { immutable: values.immutable } : {}),
  }).catch((error: unknown) => {
    if (error instanceof TicketKeyError) throw new UsageError(`serve: --ticket-keys: ${error.message}`);
    throw listenError(error, values.port, values.host);
  });
  out(`cache-digest: serving ${root} at ${server.url} (mode ${values.mode}, ${Object.keys(server.manifest.pages).length} pages)`);
  if (server.clientScripts.length > 0) out(`client scripts (from memory): ${server.clientScripts.join(' ')}`);
  if (values['inject-loader']) out('loader tag added to HTML pages lacking it');
  if (server.caPath) out(`ca: ${server.caPath}`);
  out(`spki: ${server.spki}`);
  if (values.stats) out(`stats: ${new URL(STATS_PATH, server.url).href}`);

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const onSignal = (name: NodeJS.Signals): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(name);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  requestLog?.flush();
  out(`cache-digest: ${signal}, closing`);
  await server.close();
  if (values.stats) out(`stats: ${JSON.stringify(server.stats())}`);
  return 0;
}

/** Reads and checks `--cert`/`--key`, so a bad file is one clear usage error, not a TLS stack trace. */
async function readCertificate(certPath: string, keyPath: string): Promise<{ cert: string; key: string }> {
  const read = async (flag: string, file: string): Promise<string> => {
    try {
      return await readFile(file, 'utf8');
    } catch (error) {
      throw new UsageError(`serve: cannot read ${flag} ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  };
  const [cert, key] = [await read('--cert', certPath), await read('--key', keyPath)];
  try {
    new X509Certificate(cert);
  } catch {
    throw new UsageError(`serve: --cert ${certPath} is not a usable certificate (PEM expected)`);
  }
  try {
    createPrivateKey(key);
  } catch {
    throw new UsageError(`serve: --key ${keyPath} is not a usable private key (PEM expected)`);
  }
  return { cert, key };
}

/** A failed listen as one clear usage error; anything else unchanged. */
function listenError(error: unknown, port: string, host: string): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE') return new UsageError(`serve: port ${port} on ${host} is in use`);
  if (code === 'EACCES') return new UsageError(`serve: no permission to listen on port ${port} on ${host}`);
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') return new UsageError(`serve: cannot listen on host ${host}`);
  return error;
}
