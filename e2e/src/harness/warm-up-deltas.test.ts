import http2 from 'node:http2';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { startServer, type RunningServer } from '@cache-digest/server';
import { contentEtag, encodeDigest, formatCacheDigestHeader, PushStreamReader } from '@cache-digest/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The server's own delta store, watched (not replaced) to see when a pair is made.
import { DeltaParts } from '../../../server/src/adapters/delta-parts.ts';
import type { BuiltSite } from './build-demo-site.ts';
import { warmUpDeltas } from './warm-up-deltas.ts';

// Hashed modules as a bundler leaves them; a deploy changes one constant in each.
const module = (name: string, version: number) =>
  Array.from({ length: 14 }, (_, i) => `export function ${name}${i}(v){return v.map((x)=>x.${name}*${i + 1}).join(",")+"${name}${i}";}`).join('\n') + `\nexport const version="v${version}";\n`;
const page = (names: string[]) => `<!doctype html><title>t</title>${names.map((name) => `<script type="module" src="/assets/${name}"></script>`).join('')}`;
const V1 = { 'assets/format-AAAAAAA1.js': module('format', 1), 'assets/main-BBBBBBB1.js': module('main', 1) };
const V2 = { 'assets/format-AAAAAAA2.js': module('format', 2), 'assets/main-BBBBBBB2.js': module('main', 2) };

let workDir: string;
let server: RunningServer | undefined;
const made: DeltaParts[] = [];

async function build(name: string, assets: Record<string, string>): Promise<BuiltSite> {
  const dir = path.join(workDir, name);
  const files = new Map<string, { size: number; etag: string }>();
  for (const [file, content] of Object.entries({ ...assets, 'index.html': page(Object.keys(assets).map((one) => one.slice('assets/'.length))) })) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), content);
    files.set(`/${file}`, { size: Buffer.byteLength(content), etag: contentEtag(Buffer.from(content)) });
  }
  return { dir, files };
}

beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), 'warm-up-deltas-'));
  const find = DeltaParts.prototype.find;
  DeltaParts.prototype.find = function (this: DeltaParts, ...args: Parameters<DeltaParts['find']>) {
    if (!made.includes(this)) made.push(this);
    return find.apply(this, args);
  };
});

afterAll(async () => {
  await server?.close();
  await rm(workDir, { recursive: true, force: true });
});

describe('warmUpDeltas (the deploy scenarios: deltas made before the measured visit)', () => {
  it('makes every delta pair a returning visitor needs, so its stream makes none', async () => {
    const v1 = await build('v1', V1);
    const v2 = await build('v2', V2);
    server = await startServer({ root: v2.dir, mode: 'stream', previousBuilds: [v1.dir], certDir: path.join(workDir, 'certs'), log: false, clientScripts: false });
    const warm = await warmUpDeltas(server, v2, [v1]);
    // One holding (v1 alone is also every build so far), one page, both modules as deltas.
    expect(warm).toEqual({ streams: 1, deltas: 2 });
    expect(made).toHaveLength(1);
    expect(made[0]!.made).toBe(2);

    // The visit: a digest of what it holds (with validators, as the worker sends it), on another connection.
    const origin = `https://127.0.0.1:${server.port}`;
    const entries = Object.entries(V1).map(([file, content]) => ({ url: `${origin}/${file}`, etag: contentEtag(Buffer.from(content)) }));
    const digest = formatCacheDigestHeader([{ digest: encodeDigest(entries, { validators: true }), complete: true, validators: true }]);
    const session = http2.connect(origin, { rejectUnauthorized: false });
    session.on('error', () => {});
    try {
      const stream = session.request({ ':path': '/', 'accept-push-stream': '1', 'cache-digest': digest, 'accept-encoding': 'gzip' });
      const headers = await new Promise<http2.IncomingHttpHeaders>((resolve) => stream.once('response', resolve));
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      await new Promise((resolve) => stream.once('end', resolve));
      const wire = Buffer.concat(chunks);
      const events = new PushStreamReader().push(headers['content-encoding'] === 'gzip' ? gunzipSync(wire) : wire);
      const bases = events.flatMap((event) => (event.type === 'head' && event.role === 'asset' ? [`${event.url} ${event.deltaBase}`] : [])).sort();
      expect(bases).toEqual(['/assets/format-AAAAAAA2.js /assets/format-AAAAAAA1.js', '/assets/main-BBBBBBB2.js /assets/main-BBBBBBB1.js']);
    } finally {
      session.close();
    }
    // Served from what the warm-up made.
    expect(made[0]!.made).toBe(2);
  });

  it('without earlier builds there is nothing to ask for', async () => {
    const v1 = await build('alone', V1);
    expect(await warmUpDeltas(server!, v1, [])).toEqual({ streams: 0, deltas: 0 });
  });
});
