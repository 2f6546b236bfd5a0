// Runs the repository from its TypeScript sources in plain Node:
//   node --import ./scripts/dev-loader.mjs file.ts
// tsx compiles .ts on load, and the `source` export condition makes
// `@cache-digest/*` resolve to each package's src/ instead of its dist/
// (see the exports maps), so nothing needs building first.
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

registerTsx();
// Registered after tsx, so it runs first and hands tsx the extra condition.
register('data:text/javascript,' + encodeURIComponent(
  'export function resolve(specifier, context, next) {' +
  "  return next(specifier, context.conditions.includes('source') ? context : { ...context, conditions: ['source', ...context.conditions] });" +
  '}',
));
