// `npm run example:edge`: builds the demo site (vite build, as `npm start`
// does), serves it with the kit on a loopback port and puts Caddy in front:
// HTTP/1.1, HTTP/2 and HTTP/3 on one edge port (TCP and UDP). Prints the URL
// and the development certificate's SPKI once both listen.
//   PORT=8443 npm run example:edge        the edge port (default: any free one)
//   DIST=path/to/site npm run example:edge   serve an already built site
//   EDGE_MODE=links npm run example:edge  the kit's delivery mode (default auto)
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDevCertificate, startServer } from '@cache-digest/server';
import { startCaddy } from './start-caddy.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const MODES = ['auto', 'push', 'stream', 'hints', 'links', 'off'] as const;
type Mode = (typeof MODES)[number];

let dist = process.env['DIST'] ? path.resolve(process.env['DIST']) : undefined;
if (!dist) {
  console.log('Building the demo site (vite build)…');
  const { build } = await import('vite');
  await build({ configFile: path.join(repoRoot, 'vite.config.ts'), logLevel: 'warn' });
  dist = path.join(repoRoot, 'e2e', 'demo', 'dist');
}
const mode = (process.env['EDGE_MODE'] ?? 'auto') as Mode;
if (!MODES.includes(mode)) throw new Error(`EDGE_MODE must be one of ${MODES.join('|')}`);
const port = process.env['PORT'] && process.env['PORT'] !== '0' ? Number(process.env['PORT']) : undefined;

const certDir = path.join(repoRoot, '.dev-certs');
const certs = await ensureDevCertificate(certDir);
const kit = await startServer({ root: dist, mode, certDir, host: '127.0.0.1', port: 0 });
const caddy = await startCaddy({
  kitPort: kit.port,
  certPath: certs.certPath,
  keyPath: certs.keyPath,
  kitCaPath: certs.caPath,
  stateDir: path.join(repoRoot, '.cache', 'caddy'),
  onLog: (text) => process.stderr.write(text),
  ...(port === undefined ? {} : { port }),
}).catch(async (error: unknown) => {
  await kit.close();
  throw error;
});

console.log(`cache-digest: serving ${path.relative(repoRoot, dist) || dist} (kit at ${kit.url}, mode ${mode}) through Caddy (HTTP/1.1, HTTP/2, HTTP/3) at ${caddy.url}`);
console.log(`spki: ${certs.spki}`);
console.log(`
  Open it in Chromium over HTTP/3 (paste this):

    chromium --user-data-dir="$(mktemp -d)" --origin-to-force-quic-on=localhost:${caddy.port} --ignore-certificate-errors-spki-list=${certs.spki} ${caddy.url}

  Caddy logs one JSON line per request on stderr ("proto":"HTTP/3.0"). Ctrl-C stops both.
`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void Promise.all([caddy.close(), kit.close()]).finally(() => process.exit(0));
  });
}
