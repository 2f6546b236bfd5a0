import { describe, expect, it } from 'vitest';
import { isUnsafeEarlyData } from './too-early.ts';

describe('isUnsafeEarlyData (RFC 8470)', () => {
  it('refuses methods that are not safe to replay when the request came in early data', () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'post']) expect(isUnsafeEarlyData(method, '1')).toBe(true);
    expect(isUnsafeEarlyData('POST', ['1', '1'])).toBe(true);
    // A value other than 1 still says the request was in early data: refuse rather than guess.
    expect(isUnsafeEarlyData('POST', 'yes')).toBe(true);
  });

  it('answers safe methods and requests without early data', () => {
    for (const method of ['GET', 'HEAD', 'OPTIONS', 'TRACE', undefined]) expect(isUnsafeEarlyData(method, '1')).toBe(false);
    expect(isUnsafeEarlyData('POST', undefined)).toBe(false);
    expect(isUnsafeEarlyData('POST', '')).toBe(false);
    expect(isUnsafeEarlyData('POST', [])).toBe(false);
  });
});
