import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** A Chromium with a fresh profile; `close()` ends it and deletes the profile. */
export interface LaunchedChromium {
  context: BrowserContext;
  userDataDir: string;
  close(): Promise<void>;
}

/** The Chromium binary: `CHROMIUM_PATH`, else Debian's `/usr/bin/chromium`. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags that work as root on a headless CI machine, plus trust in the given certificate SPKI hashes. */
export function chromiumArgs(spki: readonly string[] = []): string[] {
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ];
  if (spki.length > 0) args.push(`--ignore-certificate-errors-spki-list=${spki.join(',')}`);
  return args;
}

/**
 * Launches real Chromium with a persistent, fresh user-data-dir (Service
 * Workers, Cache Storage and IndexedDB survive across pages of the context)
 * trusting the certificates whose SPKI hashes are given.
 */
export async function launchChromium(options: { spki?: readonly string[] } = {}): Promise<LaunchedChromium> {
  const userDataDir = await mkdtemp(path.join(tmpdir(), 'cache-digest-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: chromiumArgs(options.spki),
    timeout: 60_000,
  });
  return {
    context,
    userDataDir,
    async close() {
      await context.close().catch(() => undefined);
      await rm(userDataDir, { recursive: true, force: true }).catch(() => undefined);
    },
  };
}
