// Node-only entry: the same API plus a key hasher on node:crypto, which is
// faster in Node than the pure-JS SHA-256 for long inputs.
import { createHash } from 'node:crypto';
import type { Hash64, KeyHasher } from './hash.ts';

export * from './index.ts';

/** The 64-bit SHA-256 prefix of a key with node:crypto. */
export const hashKeyNode: KeyHasher = (key: string): Hash64 => {
  const digest = createHash('sha256').update(key, 'utf8').digest();
  return { hi: digest.readUInt32BE(0), lo: digest.readUInt32BE(4) };
};
