/**
 * The manifest key of a request path: the query is dropped, and a path
 * ending in `/` maps to its `index.html` (`/` -> `/index.html`).
 */
export function pagePath(requestPath: string): string {
  const end = requestPath.search(/[?#]/);
  const path = end === -1 ? requestPath : requestPath.slice(0, end);
  return path.endsWith('/') ? `${path}index.html` : path;
}
