// The Express example: a server-rendered app (routes with parameters, a slow
// page, a page that sets a session cookie) behind the kit's connect-style
// middleware. `npm run example:express` runs server.mjs, which listens.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { cacheDigestMiddleware, clientScriptsMiddleware, StaticSite, writeStaticResponse } from '@cache-digest/server';

const publicDir = fileURLToPath(new URL('./public/', import.meta.url));

/** A file of public/ as a push-manifest asset: its size and the content ETag the StaticSite serves it with. */
async function describeAsset(site, url, as) {
  const file = await site.resolve(url);
  if (!file) throw new Error(`examples/express-ssr: ${url} is missing from public/`);
  return { url, as, type: file.contentType.split(';')[0].trim(), size: file.size, etag: file.etag };
}

const escapeHtml = (text) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The page shell: the loader tag registers the kit's Service Worker; the links are what the manifest lists. */
function page(title, styles, body) {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
${styles.map((href) => `<link rel="stylesheet" href="${href}">`).join('\n')}
<script src="/app.js" defer></script>
<script src="/cache-digest.js" async></script>
</head>
<body>
<header><nav><a href="/">Home</a><a href="/posts/hello">Hello</a><a href="/posts/world">World</a><a href="/account">Account</a><a href="/slow">Slow</a></nav>
<p class="summary"></p></header>
${body}
</body>
</html>
`;
}

/**
 * Builds the example app. `mode` is the delivery (`auto` by default: a push
 * stream for a browser whose worker asks for one, else preload Links);
 * `slowMs` is how long /slow takes to build (200 ms).
 */
export async function createApp({ mode = 'auto', log = false, slowMs = 200 } = {}) {
  const site = new StaticSite({ root: publicDir });
  const [appCss, appJs, postCss, accountCss, slowCss] = await Promise.all([
    describeAsset(site, '/app.css', 'style'),
    describeAsset(site, '/app.js', 'script'),
    describeAsset(site, '/post.css', 'style'),
    describeAsset(site, '/account.css', 'style'),
    describeAsset(site, '/slow.css', 'style'),
  ]);
  // The push manifest (docs/push-manifest.md), written by hand: exact pages and a route pattern.
  const manifest = {
    version: 2,
    pages: {
      '/index.html': [appCss, appJs],
      '/account': [appCss, appJs, accountCss],
      '/slow': [appCss, appJs, slowCss],
    },
    routes: {
      '/posts/:slug': [appCss, appJs, postCss],
    },
  };

  const app = express();
  app.disable('x-powered-by');
  app.use(await clientScriptsMiddleware());
  app.use(cacheDigestMiddleware({ pages: manifest.pages, routes: manifest.routes, assets: site, mode, log }));

  app.get('/', (req, res) => {
    res.send(page('Home', ['/app.css'], '<h1>Home</h1><p>Posts: <a href="/posts/hello">hello</a>, <a href="/posts/world">world</a>.</p>'));
  });
  app.get('/posts/:slug', (req, res) => {
    const slug = escapeHtml(req.params.slug);
    res.send(page(`Post ${slug}`, ['/app.css', '/post.css'], `<article><h1>Post “${slug}”</h1><p>Rendered on the server for /posts/${slug}.</p></article>`));
  });
  app.get('/account', (req, res) => {
    // A session cookie set by the page response itself: it must reach the browser in every mode.
    const session = req.headers.cookie?.match(/(?:^|;\s*)session=([\w-]+)/)?.[1] ?? randomUUID();
    res.cookie('session', session, { httpOnly: true, sameSite: 'lax', path: '/' });
    res.send(page('Account', ['/app.css', '/account.css'], `<div class="account"><h1>Account</h1><p>Session ${session.slice(0, 8)}…</p></div>`));
  });
  app.get('/slow', async (req, res) => {
    await sleep(slowMs); // a page that takes a while to build (database, API calls)
    res.send(page('Slow', ['/app.css', '/slow.css'], '<h1 class="slow">Slow page</h1><p>Built in about 200 ms.</p>'));
  });

  // The assets, served with the same content ETags as the manifest lists.
  app.use(async (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    try {
      const response = await site.handle({ method: req.method, path: req.url, headers: req.headers });
      if (response.status === 404) return next();
      writeStaticResponse(res, response);
    } catch (error) {
      next(error);
    }
  });
  return { app, manifest, site };
}
