import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** The assets of the edge test page at `version`: a deploy changes the script's (hashed) name. */
export const edgeTestAssets = (version: string): string[] => [`/app.${version}.js`, '/dot.svg', '/style.css'];

const files = (version: string): Record<string, string> => ({
  'index.html': `<!doctype html>
<html><head><meta charset="utf-8"><title>edge</title>
<link rel="stylesheet" href="/style.css">
<script src="/app.${version}.js" defer></script>
</head><body><h1 id="title">edge</h1><p id="status">loading</p><img src="/dot.svg" alt=""></body></html>
`,
  'style.css': `h1 { color: rgb(10, 20, 30); }\n`,
  [`app.${version}.js`]: `document.getElementById('status').textContent = 'ready ${version}';\n`,
  'dot.svg': `<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>\n`,
});

/** Writes the small test site (a page, a stylesheet, a script, an image) as built at `version`, replacing an earlier build. */
export async function writeEdgeTestSite(root: string, version: string): Promise<void> {
  await rm(root, { recursive: true, force: true });
  await mkdir(root, { recursive: true });
  for (const [name, text] of Object.entries(files(version))) await writeFile(path.join(root, name), text);
}
