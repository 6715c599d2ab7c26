import { describe, expect, it } from 'vitest';
import { formatDuration, MAX_DURATION_MS, parseDuration, safeParseDuration } from './duration.js';
import { isMeshError } from './errors.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['90s', 90 * S],
    ['30m', 30 * M],
    ['24h', 24 * H],
    ['1m30s', 90 * S],
    ['1h30m', 90 * M],
    ['2h45m30s500ms', 2 * H + 45 * M + 30 * S + 500],
    ['1.5h', 90 * M],
    ['.5s', 500],
    ['1.s', S],
    ['1s1h', H + S],
    ['7d', 7 * D],
    ['1d12h', 36 * H],
    ['2w', 14 * D],
    ['1w2d', 9 * D],
    ['  90s\n', 90 * S],
    ['1.5ms', 2],
  ])('%j → %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
    expect(safeParseDuration(text)).toEqual({ success: true, ms });
  });

  it.each([
    ['', 'it is empty'],
    ['   ', 'it is empty'],
    ['-5m', 'it is negative'],
    ['-1h30m', 'it is negative'],
    ['0', 'missing unit after 0'],
    ['60', 'missing unit after 60'],
    ['1h30', 'missing unit after 30'],
    ['0s', 'it is zero'],
    ['0h0m', 'it is zero'],
    ['0.1ms', 'it is shorter than 1ms'],
    ['5x', 'unknown unit "x"'],
    ['1day', 'unknown unit "day"'],
    ['1H', 'unknown unit "H"'],
    ['10us', 'unknown unit "us"'],
    ['1y', 'unknown unit "y"'],
    ['1 day', 'it has spaces in it'],
    ['1h 30m', 'it has spaces in it'],
    ['abc', 'it does not start with a number'],
    ['+5m', 'it does not start with a number'],
    ['.', 'it does not start with a number'],
    ['h', 'it does not start with a number'],
    ['1h+5m', 'unknown unit "h+"'],
    ['1h.', 'no number after "1h"'],
    ['1.5.5s', 'missing unit after 1.5'],
    ['1e3s', 'unknown unit "e"'],
    ['300000w', 'it is longer than the maximum of 106751d23h47m16s854ms'],
  ])('rejects %j (%s)', (text, problem) => {
    expect(safeParseDuration(text)).toEqual({ success: false, problem });
    let thrown: unknown;
    try {
      parseDuration(text, { name: '--expiration' });
    } catch (e) {
      thrown = e;
    }
    expect(isMeshError(thrown)).toBe(true);
    if (!isMeshError(thrown)) return;
    expect(thrown.kind).toBe('badInput');
    expect(thrown.exitCode).toBe(4);
    expect(thrown.message).toBe(`invalid --expiration ${JSON.stringify(text)}: ${problem}`);
    expect(thrown.hint).toMatch(/1m30s.*7d/);
  });

  it('names the value "duration" by default and honours max', () => {
    expect(() => parseDuration('5x')).toThrow('invalid duration "5x": unknown unit "x"');
    expect(safeParseDuration('24d', { max: 24 * D })).toEqual({ success: true, ms: 24 * D });
    expect(safeParseDuration('24d1ms', { max: 24 * D })).toEqual({
      success: false,
      problem: 'it is longer than the maximum of 24d',
    });
    expect(safeParseDuration(`${MAX_DURATION_MS}ms`)).toEqual({
      success: true,
      ms: MAX_DURATION_MS,
    });
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [500, '500ms'],
    [90 * S, '1m30s'],
    [36 * H, '1d12h'],
    [14 * D, '14d'],
  ])('%d ms → %s, which reads back the same', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    if (ms > 0) expect(parseDuration(text)).toBe(ms);
  });
});
