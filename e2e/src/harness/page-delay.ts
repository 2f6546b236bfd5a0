import { StaticSite } from '@cache-digest/server';

let delayMs = 0;
let installed = false;

/**
 * Make every page (a GET of `/` or an `.html` path) of the servers of this
 * process take `ms` to answer, as a page an application builds per request
 * would (the think-time scenario). Assets and everything the cache-digest
 * middleware does before the page (103, stream head and parts) are not
 * delayed. Done by wrapping StaticSite.prototype.handle once; visits run one
 * at a time, so a switch for the whole process is enough.
 */
export function setPageDelay(ms: number): void {
  delayMs = ms;
  if (installed) return;
  installed = true;
  const original = StaticSite.prototype.handle;
  StaticSite.prototype.handle = async function handle(this: StaticSite, request) {
    const pathname = request.path.split(/[?#]/, 1)[0]!;
    if (delayMs > 0 && request.method === 'GET' && (pathname.endsWith('/') || pathname.endsWith('.html'))) {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
    return original.call(this, request);
  };
}
