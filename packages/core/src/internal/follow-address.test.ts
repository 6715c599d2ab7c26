import { describe, expect, it } from 'vitest';
import { followAddress } from './follow-address.js';

describe('followAddress', () => {
  it('binds to what it is told, moves when that changes, reports a failure once, closes at the end', async () => {
    const wanted = ['a', 'a', 'b', 'bad', 'bad', 'bad', 'c', undefined];
    const log: string[] = [];
    const errors: string[] = [];
    const controller = new AbortController();
    let look = 0;
    await followAddress<string>({
      signal: controller.signal,
      want: async () => {
        const w = wanted[look++];
        if (look >= wanted.length) controller.abort();
        return w;
      },
      bind: async (address) => {
        if (address === 'bad') throw new Error('EADDRNOTAVAIL');
        log.push(`bind ${address}`);
        return address;
      },
      close: async (bound) => {
        log.push(`close ${bound}`);
      },
      onBound: (_bound, address) => log.push(`bound ${address}`),
      failure: (address, error) => new Error(`cannot bind ${address}: ${(error as Error).message}`),
      onError: (error) => errors.push((error as Error).message),
      recheckMs: () => 0,
    });
    expect(log).toEqual([
      'bind a',
      'bound a',
      'close a',
      'bind b',
      'bound b',
      'close b',
      'bind c',
      'bound c',
      'close c',
    ]);
    expect(errors).toEqual(['cannot bind bad: EADDRNOTAVAIL']);
  });
});
