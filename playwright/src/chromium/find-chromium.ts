import { existsSync } from 'node:fs';

/** Where a system Chromium is looked for when `CHROMIUM_PATH` is not set, in order. */
const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

/**
 * The Chromium binary the kit drives: `CHROMIUM_PATH` when set, else the
 * first system Chromium found (Debian's `/usr/bin/chromium` first), else
 * undefined (Playwright's own download, if the project has one).
 */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.CHROMIUM_PATH) return env.CHROMIUM_PATH;
  return CANDIDATES.find((candidate) => existsSync(candidate));
}
