import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildManifest } from '../manifest/build-manifest.ts';

/** Where the command writes; the process streams unless a test passes its own. */
export interface CommandOutput {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const USAGE = `Usage: cache-digest manifest DIR [--out FILE]

Builds a push manifest (docs/push-manifest.md) for the static site in DIR:
for every HTML page, its stylesheets, scripts, fonts and images in the order
a browser needs them, with sizes and content ETags.

  --out FILE   write the JSON to FILE instead of standard output
  -h, --help   show this help
`;

const processOutput: CommandOutput = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/**
 * `cache-digest manifest DIR [--out FILE]`: prints the push manifest JSON for
 * DIR (or writes it to FILE). Returns the exit code: 0 on success, 1 when the
 * manifest cannot be built or written, 2 for bad arguments.
 */
export async function manifestCommand(args: string[], output: CommandOutput = processOutput): Promise<number> {
  let dir: string | undefined;
  let out: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '-h' || arg === '--help') {
      output.stdout(USAGE);
      return 0;
    } else if (arg === '--out' || arg === '-o') {
      out = args[++i];
      if (out === undefined || out === '') {
        output.stderr(`cache-digest manifest: ${arg} needs a file name\n\n${USAGE}`);
        return 2;
      }
    } else if (arg.startsWith('--out=')) {
      out = arg.slice('--out='.length);
    } else if (arg.startsWith('-') && arg !== '-') {
      output.stderr(`cache-digest manifest: unknown option ${arg}\n\n${USAGE}`);
      return 2;
    } else if (dir === undefined) {
      dir = arg;
    } else {
      output.stderr(`cache-digest manifest: unexpected argument ${arg}\n\n${USAGE}`);
      return 2;
    }
  }
  if (dir === undefined) {
    output.stderr(`cache-digest manifest: DIR is required\n\n${USAGE}`);
    return 2;
  }
  try {
    const info = await stat(dir).catch(() => undefined);
    if (!info?.isDirectory()) {
      output.stderr(`cache-digest manifest: ${dir} is not a folder\n`);
      return 1;
    }
    const manifest = await buildManifest(path.resolve(dir));
    const json = JSON.stringify(manifest, null, 2) + '\n';
    if (out === undefined) {
      output.stdout(json);
    } else {
      await writeFile(out, json);
      const pages = Object.keys(manifest.pages).length;
      const assets = Object.values(manifest.pages).reduce((sum, list) => sum + list.length, 0);
      output.stderr(`wrote ${out}: ${pages} page(s), ${assets} asset reference(s)\n`);
    }
    return 0;
  } catch (error) {
    output.stderr(`cache-digest manifest: ${(error as Error).message}\n`);
    return 1;
  }
}
