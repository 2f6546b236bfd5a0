import { describe, expect, it } from 'vitest';
import { MeasureError } from './measure-error.ts';
import { parseBandwidth } from './parse-bandwidth.ts';
import { parseMeasureArgs } from './parse-measure-args.ts';

describe('parseMeasureArgs', () => {
  it('reads the documented options', () => {
    const settings = parseMeasureArgs(['https://a.test/', '--rtt', '100,300', '--bandwidth', '5mbit', '--runs', '7', '--compare', 'https://b.test/x']);
    expect(settings).toMatchObject({
      urls: ['https://a.test/', 'https://b.test/x'],
      rttMs: [100, 300],
      bandwidthBytesPerSecond: 625_000,
      runs: 7,
      models: ['cold', 'warm', 'returning'],
      retries: 2,
      maxFailures: 20,
    });
    expect(parseMeasureArgs(['https://a.test/', '--retries', '0', '--max-failures', '5'])).toMatchObject({ retries: 0, maxFailures: 5 });
  });

  it('rejects bad input with a typed one-line error', () => {
    for (const args of [[], ['ftp://a.test/'], ['https://a.test/', '--rtt', '0'], ['https://a.test/', '--runs', '1.5'], ['https://a.test/', '--models', 'hot'], ['https://a.test/', '--nope'], ['https://a.test/', '--retries', '6'], ['https://a.test/', '--retries', '-1'], ['https://a.test/', '--max-failures', '0']]) {
      expect(() => parseMeasureArgs(args)).toThrow(MeasureError);
    }
  });
});

describe('parseBandwidth', () => {
  it('takes bits and bytes with SI prefixes, or plain bytes per second', () => {
    expect(parseBandwidth('5mbit')).toBe(625_000);
    expect(parseBandwidth('500kbit')).toBe(62_500);
    expect(parseBandwidth('2MB')).toBe(2_000_000);
    expect(parseBandwidth('1250000')).toBe(1_250_000);
    for (const bad of ['', 'fast', '0', '-5mbit', '5 furlongs']) expect(() => parseBandwidth(bad)).toThrow(MeasureError);
  });
});
