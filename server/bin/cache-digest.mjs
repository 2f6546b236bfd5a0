#!/usr/bin/env node
// The compiled CLI (dist/). In the repository, run it from the sources with
// `node --import ./scripts/dev-loader.mjs server/bin/cache-digest.mjs`:
// the `source` condition maps #cli to src/cli/main.ts.
import { main } from '#cli';

process.exitCode = await main(process.argv.slice(2));
