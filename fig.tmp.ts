import http from 'node:http';
import { launchNode } from './server/src/fetch/test-support/launch-runtime.ts';
const rt = await launchNode('http://127.0.0.1:9');
const get = (p: string, enc: string) => new Promise<number>((res) => http.get(rt.url + p, { headers: { 'accept-push-stream': '1', 'accept-encoding': enc } }, (r) => { let n = 0; r.on('data', (c) => (n += c.length)); r.on('end', () => res(n)); }));
for (const p of ['/', '/big.html']) { await get(p, 'gzip'); console.log(p, 'gzip', await get(p, 'gzip'), 'identity', await get(p, 'identity')); }
await rt.stop();
