import type { Page } from 'puppeteer-core';
import { launchChromium } from './launch-chromium.ts';
import { FIREFOX_WORKER_IDLE_MS, launchFirefox } from './launch-firefox.ts';
import { launchWebKit, WEBKIT_WORKER_IDLE_MS } from './launch-webkit.ts';
import { controlServiceWorkers } from './service-worker-control.ts';

/** What the cross-engine tests need from a browser, whichever protocol drives it. */
export interface EngineDriver {
  name: 'Chromium' | 'Firefox' | 'WebKit';
  /** Navigates the tab and waits for its load event. */
  goto(url: string): Promise<void>;
  /** Evaluates a JavaScript expression in the page (a promise is awaited) and returns its JSON value. */
  evaluate<T>(expression: string): Promise<T>;
  /** Models a visitor who went away and came back later: no page of the site open and its worker stopped. */
  goIdle(): Promise<void>;
  close(): Promise<void>;
}

/** Chromium (playwright-core) trusting `spki`; going idle leaves for about:blank and stops the workers through DevTools. */
export async function chromiumDriver(spki: string): Promise<EngineDriver> {
  const chromium = await launchChromium({ spki: [spki] });
  const page = await chromium.context.newPage();
  const workers = await controlServiceWorkers(chromium.context, page);
  return {
    name: 'Chromium',
    goto: async (url) => void (await page.goto(url, { waitUntil: 'load' })),
    evaluate: (expression) => page.evaluate(expression) as Promise<never>,
    async goIdle() {
      await page.goto('about:blank');
      await workers.stopAll();
    },
    close: () => chromium.close(),
  };
}

/**
 * Firefox ESR over WebDriver BiDi. Going idle the first time quits and
 * relaunches it on the same profile (a visitor coming back another day);
 * later times leave for about:blank past the worker's idle timeout (one
 * second here), since a relaunch costs 20-30 s on a busy machine.
 */
export async function firefoxDriver(): Promise<EngineDriver> {
  const firefox = await launchFirefox();
  let page: Page = await firefox.browser.newPage();
  let relaunched = false;
  return {
    name: 'Firefox',
    goto: async (url) => void (await page.goto(url, { waitUntil: 'load' })),
    evaluate: (expression) => page.evaluate(expression) as Promise<never>,
    async goIdle() {
      if (!relaunched) {
        relaunched = true;
        page = await (await firefox.relaunch()).newPage();
        return;
      }
      await page.goto('about:blank');
      await new Promise((resolve) => setTimeout(resolve, FIREFOX_WORKER_IDLE_MS));
    },
    close: () => firefox.close(),
  };
}

/** WebKitGTK's MiniBrowser over plain WebDriver; going idle leaves for about:blank until WebKit stops the worker process. */
export async function webkitDriver(): Promise<EngineDriver> {
  const webkit = await launchWebKit();
  return {
    name: 'WebKit',
    goto: (url) => webkit.session.navigate(url),
    evaluate: (expression) => webkit.session.execute(`return (${expression});`),
    async goIdle() {
      await webkit.session.navigate('about:blank');
      await new Promise((resolve) => setTimeout(resolve, WEBKIT_WORKER_IDLE_MS));
    },
    close: () => webkit.close(),
  };
}
