import { describe, expect, it } from 'vitest';
import { until } from './until.js';

describe('until', () => {
  it('returns the first value that is not undefined, false and 0 included', async () => {
    let tries = 0;
    const got = await until('the third try', () => (++tries < 3 ? undefined : 0), 1_000, {
      intervalMs: 1,
    });
    expect(got).toBe(0);
    expect(tries).toBe(3);
    expect(await until('false', async () => false)).toBe(false);
  });

  it('counts a throw as "not yet"', async () => {
    let tries = 0;
    const got = await until(
      'a probe that fails once',
      async () => {
        if (++tries === 1) throw new Error('not listening');
        return 'up';
      },
      1_000,
      { intervalMs: 1 },
    );
    expect(got).toBe('up');
  });

  it('times out naming what it waited for, with the last error as the cause', async () => {
    const error = new Error('connection refused');
    const failure = until(
      'the server',
      () => {
        throw error;
      },
      20,
      { intervalMs: 5 },
    );
    await expect(failure).rejects.toThrow(
      'timed out after 20 ms waiting for the server; last error: Error: connection refused',
    );
    await expect(failure).rejects.toMatchObject({ cause: error });
    await expect(until('nothing', () => undefined, 10, { intervalMs: 5 })).rejects.toThrow(
      /^timed out after 10 ms waiting for nothing$/,
    );
  });
});
