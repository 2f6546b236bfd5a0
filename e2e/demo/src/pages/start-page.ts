import { collectLoadReport, renderLoadReport, type LoadReport } from '../lib/load-report.ts';
import { checkRendering, type RenderCheck } from '../lib/self-check.ts';

declare global {
  interface Window {
    /** Set once the page has loaded and checked itself; end-to-end tests wait for it. */
    __demo?: { report: LoadReport; render: RenderCheck };
  }
}

/** Shared start-up of both demo pages: after the load event, check rendering and show the load report. */
export function startPage(pageModule: string): void {
  const run = async (): Promise<void> => {
    // loadEventEnd is only set once the load handlers have returned.
    await new Promise((resolve) => setTimeout(resolve, 0));
    const [report, render] = await Promise.all([collectLoadReport(), checkRendering()]);
    render.modules.push(pageModule);
    const panel = document.querySelector<HTMLElement>('#load-report');
    if (panel) renderLoadReport(panel, report);
    window.__demo = { report, render };
    document.documentElement.dataset.demoReady = 'true';
  };
  if (document.readyState === 'complete') void run();
  else addEventListener('load', () => void run(), { once: true });
}
