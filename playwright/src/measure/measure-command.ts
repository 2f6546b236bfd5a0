import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MeasureError } from './measure-error.ts';
import { MeasureIncompleteError } from './measure-incomplete-error.ts';
import { measureChart, measureTables, type MeasureReport } from './measure-report.ts';
import { MEASURE_USAGE, parseMeasureArgs } from './parse-measure-args.ts';
import { runMeasure, type MeasureCell } from './run-measure.ts';

/** Where the command writes. */
export interface MeasureIO {
  stdout(text: string): void;
  stderr(text: string): void;
}

const processIO: MeasureIO = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/**
 * `cache-digest measure URL …`: resolves to the exit code (0 done, 1 the
 * site could not be measured, 2 misuse), with one line on stderr for a failure.
 * When some cells had no successful visit, the others are still printed and
 * written before the exit 1.
 */
export async function measureCommand(args: string[], io: MeasureIO = processIO): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout(MEASURE_USAGE);
    return 0;
  }
  let settings;
  try {
    settings = parseMeasureArgs(args);
  } catch (error) {
    io.stderr(`cache-digest measure: ${(error as Error).message} (see cache-digest measure --help)\n`);
    return 2;
  }
  let cells: MeasureCell[];
  let incomplete: MeasureIncompleteError | null = null;
  try {
    try {
      cells = await runMeasure(settings, (line) => io.stderr(`measure ${line}\n`));
    } catch (error) {
      // Some cells had no successful visit: the others are still written and printed, then the exit is 1.
      if (!(error instanceof MeasureIncompleteError)) throw error;
      incomplete = error;
      cells = error.cells;
    }
    const { outDir, spki: _spki, ...shown } = settings;
    const report: MeasureReport = {
      schemaVersion: 2,
      generatedAt: new Date().toISOString(),
      command: `cache-digest measure ${args.join(' ')}`,
      settings: shown,
      error: incomplete ? incomplete.message : null,
      results: cells,
    };
    await mkdir(outDir, { recursive: true });
    await writeFile(path.join(outDir, 'measure.json'), `${JSON.stringify(report, null, 2)}\n`);
    await writeFile(path.join(outDir, 'measure.svg'), measureChart(cells));
    io.stdout(`${measureTables(cells)}\n\nwrote ${path.join(outDir, 'measure.json')} and measure.svg\n`);
    if (incomplete) throw incomplete;
    return 0;
  } catch (error) {
    io.stderr(`cache-digest measure: ${error instanceof MeasureError ? error.message : String((error as Error).message ?? error).split('\n')[0]}\n`);
    return 1;
  }
}
