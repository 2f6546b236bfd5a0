import { chromium, type BrowserContext } from 'playwright-core';
import { chromiumArgs, findChromium } from '@cache-digest/playwright';

/** Options of {@link launchChromium}. */
export interface LaunchChromiumOptions {
  /** Profile folder: keeps the HTTP cache, Service Workers and Cache Storage between launches. */
  userDataDir: string;
  /** base64 SHA-256 of the server certificate's SPKI: trusted like a real certificate. */
  spki: string;
  /** `block` for strategies without a Service Worker. */
  serviceWorkers: 'allow' | 'block';
}

/** The Chromium the benchmark drives (found the way @cache-digest/playwright finds it). */
export const CHROMIUM_PATH = findChromium() ?? '/usr/bin/chromium';

/**
 * Launch Chromium headless with a persistent profile. The certificate is
 * trusted by its SPKI (`ignoreHTTPSErrors` is not enough for Service Workers
 * or Early Hints), and `localhost` resolves to 127.0.0.1 only, where the
 * round-trip emulator listens.
 */
export async function launchChromium(options: LaunchChromiumOptions): Promise<BrowserContext> {
  return chromium.launchPersistentContext(options.userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    serviceWorkers: options.serviceWorkers,
    viewport: { width: 1200, height: 900 },
    args: chromiumArgs({ spki: [options.spki], hostResolverRules: 'MAP localhost 127.0.0.1' }),
  });
}
