import type { BrowserContext, Page } from 'playwright-core';
import { eventually } from './page-helpers.ts';

/** Stops and watches a page's Service Workers through DevTools' ServiceWorker domain. */
export interface ServiceWorkerControl {
  /** Stops every worker and waits until DevTools reports them all stopped. */
  stopAll(): Promise<void>;
  /** Waits until some worker version is running. */
  waitRunning(): Promise<void>;
}

/** Attaches to `page` and tracks each worker version's running status. */
export async function controlServiceWorkers(context: BrowserContext, page: Page): Promise<ServiceWorkerControl> {
  const runningStatus = new Map<string, string>();
  const cdp = await context.newCDPSession(page);
  cdp.on('ServiceWorker.workerVersionUpdated', ({ versions }) => {
    for (const version of versions) runningStatus.set(version.versionId, version.runningStatus);
  });
  await cdp.send('ServiceWorker.enable');
  return {
    async stopAll() {
      await cdp.send('ServiceWorker.stopAllWorkers');
      await eventually(async () => runningStatus.size > 0 && [...runningStatus.values()].every((status) => status === 'stopped'));
    },
    async waitRunning() {
      await eventually(async () => [...runningStatus.values()].includes('running'));
    },
  };
}
