import { createHash, X509Certificate } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { MeasureError } from './measure-error.ts';

const PREFLIGHT_TIMEOUT_MS = 15_000;

/**
 * Opens one TLS connection to the site before any browser starts, so an
 * unreachable host or an untrusted certificate is one clear line, not a
 * browser error page. A certificate is trusted when the system trusts it or
 * its SPKI hash is among `spki`.
 */
export async function preflight(siteUrl: string, spki: readonly string[]): Promise<void> {
  const url = new URL(siteUrl);
  const port = Number(url.port || 443);
  const where = `${url.hostname}:${port}`;
  await new Promise<void>((resolve, reject) => {
    const socket = tls.connect({ host: url.hostname, port, ...(net.isIP(url.hostname) ? {} : { servername: url.hostname }), ALPNProtocols: ['h2', 'http/1.1'], rejectUnauthorized: false });
    const fail = (message: string): void => {
      socket.destroy();
      reject(new MeasureError(message));
    };
    socket.setTimeout(PREFLIGHT_TIMEOUT_MS, () => fail(`${where} did not answer within ${PREFLIGHT_TIMEOUT_MS / 1000} s`));
    socket.once('secureConnect', () => {
      const raw = socket.getPeerCertificate().raw;
      const hash = raw ? createHash('sha256').update(new X509Certificate(raw).publicKey.export({ type: 'spki', format: 'der' })).digest('base64') : '';
      if (socket.authorized || spki.includes(hash)) {
        socket.end();
        resolve();
        return;
      }
      fail(`certificate error for ${where}: ${String(socket.authorizationError)} (a development certificate? pass --spki ${hash || '<base64>'})`);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED') fail(`connection refused by ${where}`);
      else if (error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN') fail(`cannot resolve ${url.hostname}`);
      else fail(`cannot connect to ${where}: ${error.code ?? error.message}`);
    });
  });
}
