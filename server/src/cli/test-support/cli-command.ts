import { fileURLToPath } from 'node:url';

/** The `cache-digest` bin. */
export const BIN = fileURLToPath(new URL('../../../bin/cache-digest.mjs', import.meta.url));

/**
 * Node arguments that run the bin from the repository's sources (tsx and the
 * `source` export condition): tests need no build first.
 */
export const CLI_NODE_ARGS: readonly string[] = ['--import', fileURLToPath(new URL('../../../../scripts/dev-loader.mjs', import.meta.url)), BIN];
