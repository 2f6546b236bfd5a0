import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { onFreePort } from './free-port.ts';
import { killOnExit, stopProcess } from './proxy-process.ts';

/** Options of {@link startCaddy}. */
export interface StartCaddyOptions {
  /** Port of the kit (`cache-digest serve`) on 127.0.0.1, HTTPS. */
  kitPort: number;
  /** The certificate and key Caddy serves (PEM files). */
  certPath: string;
  keyPath: string;
  /** The CA that signed the kit's certificate, trusted for the upstream connection. */
  kitCaPath: string;
  /** Folder for Caddy's storage and config (not the user's home). */
  stateDir: string;
  /** Edge port, TCP and UDP (default: a free one). */
  port?: number;
  /** Host name the site answers to (default localhost). */
  host?: string;
  /** The Caddyfile (default: the one beside this file). */
  caddyfile?: string;
  /** The caddy binary (default `caddy` on PATH). */
  caddyBin?: string;
  /** Also hands Caddy's output (JSON log lines) here, e.g. `(text) => process.stderr.write(text)`. */
  onLog?: (text: string) => void;
}

/** A running Caddy edge. */
export interface RunningCaddy {
  /** `https://host:port/`. */
  url: string;
  port: number;
  /** Caddy's recent log (JSON lines; the last 4 MB). */
  log(): string;
  /** Stops Caddy (SIGTERM, then SIGKILL after 5 s). */
  close(): Promise<void>;
}

const CADDYFILE = fileURLToPath(new URL('./Caddyfile', import.meta.url));
const LOG_LIMIT = 4 * 1024 * 1024;
const READY = /"msg":"serving initial configuration"/;

/**
 * Starts Caddy with the example Caddyfile in front of the kit: HTTP/1.1, 2
 * and 3 on one port (TCP and UDP), resolved once Caddy serves. A port taken
 * between choosing and binding it is retried on another.
 */
export async function startCaddy(options: StartCaddyOptions): Promise<RunningCaddy> {
  await mkdir(options.stateDir, { recursive: true });
  return onFreePort(options.port, (port) => startOn(port, options));
}

async function startOn(port: number, options: StartCaddyOptions): Promise<RunningCaddy> {
  const host = options.host ?? 'localhost';
  const env = {
    ...process.env,
    // Caddy keeps its autosaved config and data under HOME/XDG: keep them in stateDir.
    HOME: options.stateDir,
    XDG_CONFIG_HOME: path.join(options.stateDir, 'config'),
    XDG_DATA_HOME: path.join(options.stateDir, 'data'),
    CADDY_STORAGE: path.join(options.stateDir, 'storage'),
    EDGE_HOST: host,
    EDGE_PORT: String(port),
    TLS_CERT: options.certPath,
    TLS_KEY: options.keyPath,
    KIT_PORT: String(options.kitPort),
    KIT_CA: options.kitCaPath,
  };
  const child = spawn(options.caddyBin ?? 'caddy', ['run', '--config', options.caddyfile ?? CADDYFILE, '--adapter', 'caddyfile'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  killOnExit(child);
  let log = '';
  const append = (text: string): void => {
    // Bounded: a long-running edge logs every request.
    log = log.length > LOG_LIMIT ? log.slice(log.indexOf('\n', log.length - LOG_LIMIT / 2) + 1) + text : log + text;
    options.onLog?.(text);
  };
  child.stdout!.setEncoding('utf8').on('data', append);
  child.stderr!.setEncoding('utf8').on('data', append);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`caddy did not start within 20 s:\n${log}`)), 20_000);
    const check = (): void => {
      if (READY.test(log)) done();
    };
    const onExit = (code: number | null): void => fail(new Error(`caddy exited (${code}):\n${log}`));
    const onError = (error: Error): void => fail(new Error(`cannot run caddy (${error.message}); install it: apt-get install -y caddy`));
    function done(): void {
      clearTimeout(timer);
      child.stdout!.off('data', check);
      child.stderr!.off('data', check);
      child.off('exit', onExit);
      child.off('error', onError);
      resolve();
    }
    function fail(error: Error): void {
      done();
      if (child.exitCode === null) child.kill('SIGKILL');
      reject(error);
    }
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    child.once('exit', onExit);
    child.once('error', onError);
  });
  return {
    url: `https://${host}:${port}/`,
    port,
    log: () => log,
    close: () => stopProcess(child, 'SIGTERM'),
  };
}
