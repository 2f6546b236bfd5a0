// `npm run example:express`: the Express example on http://localhost:3000/
// (plain HTTP on localhost is a secure context: the Service Worker runs).
//   PORT=0 npm run example:express      any free port
//   CACHE_DIGEST_MODE=hints npm run example:express   another delivery (auto, push, stream, hints, links, off)
import { createApp } from './app.mjs';

const MODES = ['auto', 'push', 'stream', 'hints', 'links', 'off'];
const mode = process.env.CACHE_DIGEST_MODE ?? 'auto';
if (!MODES.includes(mode)) {
  console.error(`CACHE_DIGEST_MODE must be one of ${MODES.join(', ')} (got ${JSON.stringify(mode)})`);
  process.exit(2);
}
const port = Number(process.env.PORT ?? '3000');
const { app } = await createApp({ mode, log: process.env.LOG === 'none' ? false : (line) => console.log(line) });
const server = app.listen(port, process.env.HOST, () => console.log(`http://localhost:${server.address().port}/`));
const stop = () => server.close(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
