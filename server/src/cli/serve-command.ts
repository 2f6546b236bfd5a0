import { readFile } from 'node:fs/promises';
import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startServer, STATS_PATH } from '../adapters/start-server.ts';
import type { DeliveryMode } from '../core/types.ts';
import { UsageError } from './digest-commands.ts';
import { bufferedLog } from '../adapters/buffered-log.ts';
import type { LogFormat, LogLevel } from '../core/log-line.ts';

const MODES: readonly DeliveryMode[] = ['auto', 'push', 'stream', 'hints', 'links', 'off'];
const LOG_LEVELS: readonly LogLevel[] = ['none', 'summary', 'full'];
const LOG_FORMATS: readonly LogFormat[] = ['text', 'json'];
const consoleOut = (line: string): void => console.log(line);

/**
 * `cache-digest serve DIR [--port 8443] [--host 127.0.0.1] [--cert F --key F]
 * [--mode auto|push|stream|hints|links|off] [--manifest F] [--stats]
 * [--no-client] [--inject-loader] [--log none|summary|full] [--log-format text|json]`: serves DIR over HTTP/2 + TLS (HTTP/1.1
 * fallback) until SIGINT or SIGTERM, then closes every connection and
 * resolves to 0. The client's `/cache-digest.js` and `/cache-digest-sw.js`
 * are served from memory when DIR lacks them (unless `--no-client`);
 * `--inject-loader` adds the loader's script tag to HTML pages lacking it.
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
      stats: { type: 'boolean', default: false },
      'no-client': { type: 'boolean', default: false },
      'inject-loader': { type: 'boolean', default: false },
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
  if (!/^\d{1,5}$/.test(values.port) || Number(values.port) > 65535) throw new UsageError(`serve: --port must be 0..65535, not ${values.port}`);
  if (!MODES.includes(values.mode as DeliveryMode)) throw new UsageError(`serve: --mode must be one of ${MODES.join('|')}`);
  if (!LOG_LEVELS.includes(values.log as LogLevel)) throw new UsageError(`serve: --log must be one of ${LOG_LEVELS.join('|')}`);
  if (!LOG_FORMATS.includes(values['log-format'] as LogFormat)) throw new UsageError(`serve: --log-format must be one of ${LOG_FORMATS.join('|')}`);
  // Page-request lines are batched off the request path (one write per event-loop turn) when they go to stdout.
  const requestLog = out === consoleOut ? bufferedLog(process.stdout) : undefined;
  if ((values.cert === undefined) !== (values.key === undefined)) throw new UsageError('serve: --cert and --key go together');

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
    ...(values.cert !== undefined && values.key !== undefined
      ? { cert: await readFile(values.cert, 'utf8'), key: await readFile(values.key, 'utf8') }
      : {}),
    ...(values.manifest !== undefined ? { manifest: values.manifest } : {}),
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
