import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { WebDriverSession } from './webdriver-session.ts';

/** A WebKitGTK MiniBrowser driven by WebKitWebDriver under Xvfb; `close()` ends the session and the driver. */
export interface LaunchedWebKit {
  session: WebDriverSession;
  close(): Promise<void>;
}

/**
 * How long to stay away from a site until WebKitGTK 2.50 has stopped its
 * Service Worker process: it does so about 10 s after the last client left
 * (measured; shorter waits leave it running, and its "short Service Worker
 * timeout" feature does not shorten this).
 */
export const WEBKIT_WORKER_IDLE_MS = 11_000;

/** Debian's MiniBrowser (package libwebkit2gtk-4.1-0): `WEBKIT_MINIBROWSER_PATH`, else found under /usr/lib/<triplet>/. */
export function findMiniBrowser(): string | undefined {
  const fromEnv = process.env.WEBKIT_MINIBROWSER_PATH;
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  for (const triplet of readdirSync('/usr/lib')) {
    const candidate = path.join('/usr/lib', triplet, 'webkit2gtk-4.1', 'MiniBrowser');
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Starts `xvfb-run -a WebKitWebDriver` on a free loopback port and opens a
 * session on MiniBrowser accepting the local certificate. The browser's
 * data lives as long as the session: a returning visitor is modelled by
 * leaving the site (about:blank) until WebKit stops the idle worker process
 * ({@link WEBKIT_WORKER_IDLE_MS}) and coming back.
 */
export async function launchWebKit(): Promise<LaunchedWebKit> {
  const binary = findMiniBrowser();
  if (!binary) throw new Error('MiniBrowser not found: apt-get install -y webkit2gtk-driver');
  const port = await freePort();
  // Its own process group, so that Xvfb, the driver and the browser all end with it.
  const driver = spawn('xvfb-run', ['-a', 'WebKitWebDriver', `--port=${port}`, '--host=127.0.0.1'], { detached: true, stdio: 'ignore' });
  const driverUrl = `http://127.0.0.1:${port}`;
  try {
    await waitForDriver(driverUrl, driver);
    const session = await WebDriverSession.create(driverUrl, {
      acceptInsecureCerts: true,
      'webkitgtk:browserOptions': { binary, args: ['--automation'] },
    });
    return {
      session,
      async close() {
        await session.close();
        stop(driver);
      },
    };
  } catch (error) {
    stop(driver);
    throw error;
  }
}

function stop(child: ChildProcess): void {
  try {
    if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
  } catch {
    // Already gone.
  }
}

async function waitForDriver(driverUrl: string, driver: ChildProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (driver.exitCode !== null) throw new Error(`WebKitWebDriver exited with ${driver.exitCode}`);
    const ready = await fetch(`${driverUrl}/status`)
      .then(async (response) => ((await response.json()) as { value?: { ready?: boolean } }).value?.ready === true)
      .catch(() => false);
    if (ready) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('WebKitWebDriver did not start within 30 s');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
