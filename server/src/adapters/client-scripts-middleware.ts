import { LOADER_PATH, readClientScripts, WORKER_PATH } from '@cache-digest/client/scripts';
import { memoryScript, memoryScriptResponse } from './memory-script.ts';
import type { NextFunction, NodeRequest, NodeResponse } from './node-types.ts';
import { writeStaticResponse } from './write-static-response.ts';

/**
 * Connect/Express-style middleware that serves the client's two scripts,
 * `/cache-digest.js` (the loader) and `/cache-digest-sw.js` (the Service
 * Worker), as `@cache-digest/client` ships them prebuilt, from memory, with
 * a content ETag and `cache-control: no-cache`. Every other request goes to
 * `next()`. For applications that do not copy the two files into their site.
 */
export async function clientScriptsMiddleware(): Promise<(req: NodeRequest, res: NodeResponse, next: NextFunction) => void> {
  const files = await readClientScripts();
  const scripts = new Map([
    [LOADER_PATH, memoryScript(files.loader)],
    [WORKER_PATH, memoryScript(files.worker)],
  ]);
  return (req, res, next) => {
    const method = req.method ?? 'GET';
    const script = method === 'GET' || method === 'HEAD' ? scripts.get((req.url ?? '/').split('?')[0]!) : undefined;
    if (!script) {
      next();
      return;
    }
    writeStaticResponse(res, memoryScriptResponse(script, { method, headers: req.headers }));
  };
}
