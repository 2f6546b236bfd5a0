import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { parseAst } from 'vite';
import { describe, expect, it } from 'vitest';
import { createIndexEntry } from '../sw/index-entry.ts';
import { DEFAULT_WORKER_OPTIONS } from '../sw/options.ts';
import { bundleClientFiles } from './bundle-client-files.ts';
import { bundleScript } from './bundle-script.ts';
import { dropEmptyClassFields } from './drop-empty-class-fields.ts';
import { dropErrorMessages } from './drop-error-messages.ts';
import { WORKER_INTERNAL_PROPERTIES, WORKER_INTERNAL_PROPERTY_PATTERN } from './worker-internal-properties.ts';

const WORKER = fileURLToPath(new URL('../sw/worker.ts', import.meta.url));
const LISTED = new Set(WORKER_INTERNAL_PROPERTIES);

interface Node {
  type: string;
  [key: string]: unknown;
}

/** Property names the unminified worker uses as strings: `o['x']`, `'x' in o`, `{ 'x': v }`, `keyPath: 'x'`. */
function namesUsedAsStrings(code: string): Set<string> {
  const found = new Set<string>();
  const text = (node: unknown): string | undefined => {
    const n = node as Node | undefined;
    return n?.type === 'Literal' && typeof n.value === 'string' ? n.value : undefined;
  };
  const visit = (node: Node): void => {
    if (node.type === 'MemberExpression' && node.computed) text(node.property) !== undefined && found.add(text(node.property)!);
    if (node.type === 'BinaryExpression' && node.operator === 'in') text(node.left) !== undefined && found.add(text(node.left)!);
    if (node.type === 'Property') {
      const key = text(node.key);
      if (key !== undefined) found.add(key);
      const key2 = node.key as Node;
      if (key2.type === 'Identifier' && key2.name === 'keyPath' && text(node.value) !== undefined) found.add(text(node.value)!);
    }
    for (const value of Object.values(node)) {
      if (Array.isArray(value)) for (const child of value) child && typeof child === 'object' && typeof child.type === 'string' && visit(child);
      else if (value && typeof value === 'object' && typeof (value as Node).type === 'string') visit(value as Node);
    }
  };
  visit(parseAst(code) as unknown as Node);
  return found;
}

/** Every property name on the prototypes (and statics) of the web APIs Node has. */
function hostNames(): Set<string> {
  const names = new Set<string>();
  const roots: object[] = [
    globalThis, Request, Response, Headers, URL, ReadableStream, WritableStream, TransformStream, DecompressionStream, TextDecoder,
    TextEncoder, DataView, Uint8Array, Int32Array, Float64Array, ArrayBuffer, Map, Set, Promise, Array, String, Object, Error, RegExp,
    Date, Math, JSON, Number, Reflect, crypto, crypto.subtle, Blob, AbortController, AbortSignal, EventTarget, Event, MessageEvent,
  ];
  for (const root of roots) {
    for (let o: object | null = root; o !== null; o = Object.getPrototypeOf(o)) for (const name of Object.getOwnPropertyNames(o)) names.add(name);
    const proto = (root as { prototype?: object }).prototype;
    for (let o: object | null = proto ?? null; o !== null; o = Object.getPrototypeOf(o)) for (const name of Object.getOwnPropertyNames(o)) names.add(name);
  }
  // Service Worker, Cache Storage and IndexedDB names the worker touches, which Node lacks.
  for (const name of [
    'registration', 'scope', 'active', 'waiting', 'installing', 'navigationPreload', 'enable', 'disable', 'setHeaderValue', 'getState',
    'enabled', 'headerValue', 'clients', 'claim', 'skipWaiting', 'respondWith', 'waitUntil', 'preloadResponse', 'request', 'data', 'open',
    'match', 'put', 'keys', 'has', 'delete', 'ignoreVary', 'transaction', 'objectStore', 'objectStoreNames', 'createObjectStore', 'getAll',
    'result', 'error', 'onsuccess', 'onerror', 'oncomplete', 'onabort', 'onupgradeneeded', 'onversionchange', 'contains', 'userAgent',
  ]) {
    names.add(name);
  }
  return names;
}

describe('WORKER_INTERNAL_PROPERTIES', () => {
  it('lists no name that crosses the worker bundle\u2019s edge', async () => {
    const listed = (names: Iterable<string>) => [...names].filter((name) => LISTED.has(name));
    // Stored in IndexedDB (an entry, with its page list, and the marker record), or read from the built-in options.
    const entry = createIndexEntry({ url: 'https://a.test/x', etag: '"e"', policy: { storable: true, freshUntil: 1, immutable: false, mustRevalidate: false }, size: 1, now: 1 });
    expect(listed([...Object.keys({ ...entry, pages: [] }), 'cacheName', 'format'])).toEqual([]);
    expect(listed(Object.keys(DEFAULT_WORKER_OPTIONS))).toEqual([]);
    // A push-stream HEAD's JSON fields and the page's messages.
    expect(listed(['url', 'status', 'headers', 'role', 'delta-base', 'type', 'urls'])).toEqual([]);
    expect(listed(hostNames())).toEqual([]);
    // Used as a string anywhere in the worker's code, a name cannot be shortened consistently.
    const plain = await bundleScript(WORKER, {
      minify: false,
      define: { __CACHE_DIGEST_WORKER_OPTIONS__: '{}', 'globalThis.process': 'undefined', 'globalThis.Buffer': 'undefined' },
      plugins: [dropErrorMessages(), dropEmptyClassFields()],
    });
    expect(listed(namesUsedAsStrings(plain))).toEqual([]);
    // Exact names only: a longer name that contains a listed one is not matched.
    expect(WORKER_INTERNAL_PROPERTY_PATTERN.test('index')).toBe(true);
    expect(WORKER_INTERNAL_PROPERTY_PATTERN.test('indexName2')).toBe(false);
  }, 60_000);

  it('the built worker shortens the listed names, keeps every other, and is smaller', async () => {
    const { worker } = await bundleClientFiles();
    expect(worker).not.toContain('.preloadUnusableListeners');
    expect(worker).not.toContain('.storeNetworkResponse');
    // Options, stored entry fields and browser APIs keep their names.
    for (const kept of ['.maxEntryBytes', '.registration.scope', '.lastUsed', '.freshUntil', 'keyPath:`url`', '.navigationPreload']) expect(worker).toContain(kept);
    const unshortened = await bundleScript(WORKER, {
      define: { __CACHE_DIGEST_WORKER_OPTIONS__: '{}', 'globalThis.process': 'undefined', 'globalThis.Buffer': 'undefined' },
      plugins: [dropErrorMessages(), dropEmptyClassFields()],
    });
    expect(unshortened).toContain('.preloadUnusableListeners');
    expect(gzipSync(worker).length).toBeLessThan(gzipSync(unshortened).length);
  }, 60_000);
});
