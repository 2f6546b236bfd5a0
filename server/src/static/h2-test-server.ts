// Test support (not exported by the package): a real node:http2 TLS server
// that answers with StaticSite.handle(), and a client for it.
import http2 from 'node:http2';
import { Readable } from 'node:stream';
import type { DevCertificate } from '../tls/index.ts';
import type { StaticSite } from './static-site.ts';

/** A response as the client saw it. */
export interface ClientResponse {
  status: number;
  headers: http2.IncomingHttpHeaders;
  body: Buffer;
}

/** A running server plus a connected client session. */
export interface StaticTestServer {
  origin: string;
  request(path: string, headers?: Record<string, string>, method?: string): Promise<ClientResponse>;
  close(): Promise<void>;
}

/** Starts an HTTP/2 TLS server on 127.0.0.1 (ephemeral port) that serves `site`, and connects a client trusting the dev CA. */
export async function startStaticTestServer(site: StaticSite, certificate: DevCertificate): Promise<StaticTestServer> {
  const server = http2.createSecureServer({ cert: certificate.cert, key: certificate.key });
  server.on('stream', (stream, headers) => {
    void site
      .handle({ method: String(headers[':method']), path: String(headers[':path']), headers })
      .then((response) => {
        if (stream.destroyed) return;
        stream.respond({ ':status': response.status, ...response.headers }, { endStream: response.body === null });
        if (response.body instanceof Readable) response.body.pipe(stream);
        else if (response.body) stream.end(response.body);
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const origin = `https://127.0.0.1:${port}`;
  const session = http2.connect(origin, { ca: certificate.caCert, servername: 'localhost' });
  session.on('error', () => {});

  const request = (path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<ClientResponse> =>
    new Promise((resolve, reject) => {
      const stream = session.request({ ':path': path, ':method': method, ...headers }, { endStream: true });
      const chunks: Buffer[] = [];
      let responseHeaders: http2.IncomingHttpHeaders = {};
      stream.on('response', (received) => (responseHeaders = received));
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () =>
        resolve({ status: Number(responseHeaders[':status']), headers: responseHeaders, body: Buffer.concat(chunks) }),
      );
      stream.on('error', reject);
    });

  const close = async (): Promise<void> => {
    await new Promise<void>((resolve) => session.close(() => resolve()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { origin, request, close };
}
