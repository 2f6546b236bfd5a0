import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { onFreePort } from './free-port.ts';
import { killOnExit, stopProcess } from './proxy-process.ts';

/** Options of {@link startNginx}. */
export interface StartNginxOptions {
  /** Port of the kit (`cache-digest serve`) on 127.0.0.1, HTTPS. */
  kitPort: number;
  /** The certificate and key nginx serves (PEM files). */
  certPath: string;
  keyPath: string;
  /** The CA that signed the kit's certificate, checked on the upstream connection. */
  kitCaPath: string;
  /** Folder for the rendered config, pid, temp files and `access.log`. */
  stateDir: string;
  /** Edge port on 127.0.0.1 (default: a free one). */
  port?: number;
  /** Host name the site answers to (default localhost). */
  host?: string;
  /** The nginx binary (default `nginx` on PATH, else /usr/sbin/nginx). */
  nginxBin?: string;
}

/** A running nginx edge. */
export interface RunningNginx {
  /** `https://host:port/`. */
  url: string;
  port: number;
  /** The access log so far (JSON lines, see nginx.conf's `log_format edge`). */
  accessLog(): Promise<string>;
  /** Stops nginx (SIGQUIT: finish open requests; SIGKILL after 5 s). */
  close(): Promise<void>;
}

const TEMPLATE = fileURLToPath(new URL('./nginx.conf', import.meta.url));

/**
 * Starts nginx with the example config in front of the kit: HTTP/1.1 and
 * HTTP/2 over TLS with early data, resolved once it accepts connections. A
 * port taken between choosing and binding it is retried on another.
 */
export async function startNginx(options: StartNginxOptions): Promise<RunningNginx> {
  await mkdir(options.stateDir, { recursive: true });
  return onFreePort(options.port, (port) => startOn(port, options));
}

async function startOn(port: number, options: StartNginxOptions): Promise<RunningNginx> {
  const host = options.host ?? 'localhost';
  const values: Record<string, string> = {
    STATE_DIR: options.stateDir,
    KIT_PORT: String(options.kitPort),
    EDGE_LISTEN: `127.0.0.1:${port}`,
    EDGE_HOST: host,
    TLS_CERT: options.certPath,
    TLS_KEY: options.keyPath,
    KIT_CA: options.kitCaPath,
  };
  const config = (await readFile(TEMPLATE, 'utf8')).replace(/\{\{([A-Z_]+)\}\}/g, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`nginx.conf: no value for ${whole}`);
    return value;
  });
  const configPath = path.join(options.stateDir, 'nginx.conf');
  await writeFile(configPath, config);
  const bin = options.nginxBin ?? (existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx');
  const child = spawn(bin, ['-c', configPath, '-p', options.stateDir, '-e', 'stderr'], { stdio: ['ignore', 'pipe', 'pipe'] });
  killOnExit(child);
  let log = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => (log += text));
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (log += text));
  const exited = new Promise<never>((_, reject) => {
    child.once('exit', (code) => reject(new Error(`nginx exited (${code}):\n${log}`)));
    child.once('error', (error) => reject(new Error(`cannot run nginx (${error.message}); install it: apt-get install -y nginx`)));
  });
  exited.catch(() => undefined);
  try {
    await Promise.race([accepting(port), exited]);
  } catch (error) {
    if (child.exitCode === null) child.kill('SIGKILL');
    throw error;
  }
  return {
    url: `https://${host}:${port}/`,
    port,
    accessLog: () => readFile(path.join(options.stateDir, 'access.log'), 'utf8').catch(() => ''),
    close: () => stopProcess(child, 'SIGQUIT'),
  };
}

/** Resolves once 127.0.0.1:port accepts a TCP connection (within 15 s). */
async function accepting(port: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nginx is not accepting on port ${port} after 15 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
