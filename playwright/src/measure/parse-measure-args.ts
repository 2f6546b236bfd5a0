import { parseArgs } from 'node:util';
import type { VisitModel } from '../visit-metrics.ts';
import { MeasureError } from './measure-error.ts';
import { parseBandwidth } from './parse-bandwidth.ts';

/** What `cache-digest measure` was asked to do. */
export interface MeasureSettings {
  /** The site, and the one to compare it with (`--compare`). */
  urls: string[];
  rttMs: number[];
  bandwidthBytesPerSecond: number | null;
  runs: number;
  models: VisitModel[];
  spki: string[];
  outDir: string;
  /** Extra attempts of a visit that failed (`--retries`, default 2). */
  retries: number;
  /** Failed attempts after which the whole run stops (`--max-failures`, default 20). */
  maxFailures: number;
}

const MODELS: readonly VisitModel[] = ['cold', 'warm', 'returning', 'fresh-launch'];

/** The usage text of `cache-digest measure`. */
export const MEASURE_USAGE = `usage: cache-digest measure URL [--rtt 100,300] [--bandwidth 5mbit] [--runs 7] [--compare URL2]
        [--models cold,warm,returning] [--spki BASE64[,BASE64]] [--out DIR] [--retries 2] [--max-failures 20]
  loads an https site in Chromium through a round-trip emulator and prints a table per visit model;
  writes DIR/measure.json and DIR/measure.svg (DIR defaults to ./cache-digest-measure);
  a failed visit is tried again up to --retries times, the run stops after --max-failures failed attempts
`;

/** Parses and checks the arguments; throws MeasureError with a one-line reason. */
export function parseMeasureArgs(args: string[]): MeasureSettings {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        rtt: { type: 'string', default: '100,300' },
        bandwidth: { type: 'string' },
        runs: { type: 'string', default: '7' },
        compare: { type: 'string' },
        models: { type: 'string', default: 'cold,warm,returning' },
        spki: { type: 'string' },
        out: { type: 'string', default: 'cache-digest-measure' },
        retries: { type: 'string', default: '2' },
        'max-failures': { type: 'string', default: '20' },
      },
    });
  } catch (error) {
    throw new MeasureError((error as Error).message.split('\n')[0]!);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new MeasureError('give exactly one URL (and --compare URL2 for a second site)');
  const urls = [positionals[0]!, ...(values.compare ? [values.compare] : [])].map(checkUrl);
  const rttMs = values.rtt.split(',').map((part) => Number(part.trim()));
  if (rttMs.some((rtt) => !Number.isInteger(rtt) || rtt < 1 || rtt > 2000)) throw new MeasureError('--rtt takes round-trip times in ms, 1-2000, comma-separated');
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1 || runs > 50) throw new MeasureError('--runs takes a whole number from 1 to 50');
  const models = values.models.split(',').map((name) => name.trim()) as VisitModel[];
  for (const model of models) if (!MODELS.includes(model)) throw new MeasureError(`--models: unknown visit model "${model}" (one of ${MODELS.join(', ')})`);
  const retries = Number(values.retries);
  if (!Number.isInteger(retries) || retries < 0 || retries > 5) throw new MeasureError('--retries takes a whole number from 0 to 5');
  const maxFailures = Number(values['max-failures']);
  if (!Number.isInteger(maxFailures) || maxFailures < 1 || maxFailures > 1000) throw new MeasureError('--max-failures takes a whole number from 1 to 1000');
  return {
    urls,
    rttMs,
    bandwidthBytesPerSecond: values.bandwidth === undefined ? null : parseBandwidth(values.bandwidth),
    runs,
    models,
    spki: values.spki ? values.spki.split(',').filter(Boolean) : [],
    outDir: values.out,
    retries,
    maxFailures,
  };
}

function checkUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new MeasureError(`not a URL: "${text}" (give an https URL such as https://localhost:8443/)`);
  }
  if (url.protocol !== 'https:') throw new MeasureError(`not an https URL: "${text}" (the emulator carries HTTP/2 over TLS)`);
  return url.href;
}
