import { decodeCommand, describeError, encodeCommand, queryCommand, UsageError, type CommandIO } from './digest-commands.ts';

const USAGE = `usage: cache-digest <command> [options]

commands:
  encode [--p-bits K] [--validators]   read "URL" or "URL<TAB>ETag" lines on stdin, print the digest (base64url)
  decode VALUE                         print {"nBits","pBits","values"} as JSON
  query VALUE URL [ETAG]               exit 0 if the digest holds URL (+ETag), 1 if not, 2 if VALUE is malformed
  manifest DIR [--out FILE]            build the push manifest of a static folder
  pieces DIR [--manifest FILE]         write DIR/asset.pieces (compressed push-stream pieces) for the text
                                       assets of the manifest: edge isolates then compress none (fetch handler)
  serve DIR [--port 8443] [--host 127.0.0.1] [--cert F --key F]
        [--mode auto|push|stream|hints|links|off] [--manifest F] [--stats]
        [--no-client] [--inject-loader] [--log none|summary|full] [--log-format text|json]
        [--ticket-keys FILE]           (TLS session ticket key shared by restarts and processes)
        [--immutable GLOB]... [--previous DIR]... [--delta-parts on|off]
                                       serve a static folder over HTTP/2 with digest-driven delivery
  measure URL [--rtt 100,300] [--bandwidth 5mbit] [--runs 7] [--compare URL2] [--spki B64]
                                       load an https site in Chromium through a round-trip emulator
                                       (needs @cache-digest/playwright and playwright-core installed)
`;

function processIO(): CommandIO {
  return {
    stdin: process.stdin,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  };
}

/** Runs the `cache-digest` command line; resolves to the exit code. */
export async function main(argv: string[], io: CommandIO = processIO()): Promise<number> {
  const [command, ...args] = argv;
  try {
    switch (command) {
      case 'encode':
        return await encodeCommand(args, io);
      case 'decode':
        return await decodeCommand(args, io);
      case 'query':
        return await queryCommand(args, io);
      case 'manifest': {
        // Loaded on demand so the digest commands start fast.
        const { manifestCommand } = await import('./manifest-command.ts');
        return await manifestCommand(args);
      }
      case 'pieces': {
        const [dir, flag, file, ...extra] = args;
        if (!dir || dir.startsWith('-') || (flag !== undefined && (flag !== '--manifest' || !file)) || extra.length > 0) {
          throw new UsageError('usage: cache-digest pieces DIR [--manifest FILE]');
        }
        const { writeStreamPieces } = await import('../compression/write-stream-pieces.ts');
        const written = await writeStreamPieces(dir, file);
        io.stdout(`${written.length} pieces files written\n`);
        return 0;
      }
      case 'serve': {
        const { serveCommand } = await import('./serve-command.ts');
        return await serveCommand(args);
      }
      case 'measure':
        return await runMeasure(args, io);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout(USAGE);
        return command === undefined ? 2 : 0;
      default:
        io.stderr(`cache-digest: unknown command "${command}"\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    // One line, exit 2: malformed input and misuse alike (the query contract).
    io.stderr(`${error instanceof UsageError ? `cache-digest: ${error.message}` : describeError(error)}\n`);
    return 2;
  }
}

/**
 * `measure` lives in @cache-digest/playwright, an optional peer: loaded only
 * here, so the server package does not pull a browser driver.
 */
async function runMeasure(args: string[], io: CommandIO): Promise<number> {
  let measure: { measureCommand(args: string[], io: CommandIO): Promise<number> };
  try {
    // A variable specifier: the server builds and type-checks without the optional peer installed.
    const specifier = '@cache-digest/playwright/measure';
    measure = (await import(specifier)) as typeof measure;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw error;
    io.stderr('cache-digest measure needs @cache-digest/playwright and playwright-core: npm install -D @cache-digest/playwright playwright-core\n');
    return 2;
  }
  return measure.measureCommand(args, io);
}
