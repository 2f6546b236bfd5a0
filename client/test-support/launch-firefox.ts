import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';

/** Debian's Firefox ESR: `FIREFOX_PATH`, else /usr/bin/firefox-esr. */
export const FIREFOX_PATH = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';

/** Service Workers stop after this long without events (the `dom.serviceWorkers.idle_timeout` set below), plus margin. */
export const FIREFOX_WORKER_IDLE_MS = 2500;

/** A headless Firefox on a profile that outlives it: `relaunch()` models a visitor coming back later. */
export interface LaunchedFirefox {
  browser: Browser;
  userDataDir: string;
  /** Quits and starts Firefox again on the same profile (Service Workers, caches and IndexedDB kept, no worker running). */
  relaunch(): Promise<Browser>;
  /** Quits and deletes the profile. */
  close(): Promise<void>;
}

/**
 * Launches Firefox over WebDriver BiDi (puppeteer-core) with a fresh
 * profile, accepting the local development certificate. Service Workers go
 * idle after one second without events (Firefox's default is 30 s), so a
 * test can model a worker that was stopped while the visitor was away.
 */
export async function launchFirefox(): Promise<LaunchedFirefox> {
  const userDataDir = await mkdtemp(path.join(tmpdir(), 'cache-digest-firefox-'));
  const start = () =>
    puppeteer.launch({
      browser: 'firefox',
      executablePath: FIREFOX_PATH,
      headless: true,
      userDataDir,
      acceptInsecureCerts: true,
      extraPrefsFirefox: { 'dom.serviceWorkers.idle_timeout': 1000, 'dom.serviceWorkers.idle_extended_timeout': 1000 },
      timeout: 60_000,
    });
  const launched: LaunchedFirefox = {
    browser: await start(),
    userDataDir,
    async relaunch() {
      await launched.browser.close();
      launched.browser = await start();
      return launched.browser;
    },
    async close() {
      await launched.browser.close().catch(() => undefined);
      await rm(userDataDir, { recursive: true, force: true }).catch(() => undefined);
    },
  };
  return launched;
}
