import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { IncomingHttpHeaders } from 'node:http2';
import {
  createCacheDigestServer,
  ensureDevCertificate,
  loadManifest,
  missingClientScripts,
  StaticSite,
  type DeliveryMode,
  type PushManifest,
} from '@cache-digest/server';

/** One request the server received. */
export interface RecordedRequest {
  path: string;
  headers: IncomingHttpHeaders;
}

/** A running cache-digest server over a built site that records every request it receives. */
export interface RecordingSiteServer {
  /** `https://127.0.0.1:<port>` (no trailing slash). */
  origin: string;
  manifest: PushManifest;
  /** Base64 SHA-256 of the certificate's SPKI (what Chromium is told to trust). */
  spki: string;
  /** Every request so far, in arrival order (pages, assets, the worker script). */
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/**
 * The project's server (createCacheDigestServer over a StaticSite, like
 * `cache-digest serve`) on an ephemeral loopback port, with a request
 * recorder beside it: for browsers without a protocol that reports their
 * requests (WebKit's WebDriver), the server side counts what crossed the network.
 */
export async function startRecordingSiteServer(root: string, options: { mode?: DeliveryMode } = {}): Promise<RecordingSiteServer> {
  const certificate = await ensureDevCertificate(path.resolve('.dev-certs'));
  const site = new StaticSite({ root });
  const manifest = await loadManifest(path.join(root, 'push-manifest.json'));
  const instance = createCacheDigestServer({
    site,
    cert: certificate.cert,
    key: certificate.key,
    pages: manifest.pages,
    mode: options.mode ?? 'auto',
    log: false,
    memoryScripts: await missingClientScripts(site),
  });
  const requests: RecordedRequest[] = [];
  instance.server.on('request', (request: { url: string; headers: IncomingHttpHeaders }) => {
    requests.push({ path: request.url, headers: request.headers });
  });
  await new Promise<void>((resolve) => instance.server.listen(0, '127.0.0.1', resolve));
  const { port } = instance.server.address() as AddressInfo;
  return { origin: `https://127.0.0.1:${port}`, manifest, spki: certificate.spki, requests, close: () => instance.shutdown() };
}
