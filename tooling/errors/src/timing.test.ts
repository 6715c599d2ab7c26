import { describe, expect, it } from 'vitest';
import { backoffDelay, sleep } from './contract.js';

describe('backoffDelay', () => {
  it('doubles from baseMs, caps at maxMs, and keeps 50–100 % of it', () => {
    const o = { baseMs: 250, maxMs: 8_000 };
    expect(backoffDelay(0, { ...o, random: 0 })).toBe(125);
    expect(backoffDelay(0, { ...o, random: 0.999 })).toBeLessThanOrEqual(250);
    expect(backoffDelay(3, { ...o, random: 0 })).toBe(1_000);
    expect(backoffDelay(20, { ...o, random: 0 })).toBe(4_000);
    expect(backoffDelay(20, { ...o, random: 0.999 })).toBeLessThanOrEqual(8_000);
    expect(backoffDelay(-1, { ...o, random: 0 })).toBe(125);
    for (let i = 0; i < 50; i++) {
      const d = backoffDelay(2, o);
      expect(d).toBeGreaterThanOrEqual(500);
      expect(d).toBeLessThanOrEqual(1_000);
    }
  });
});

describe('sleep', () => {
  it('resolves after the time given', async () => {
    const start = performance.now();
    await sleep(20);
    expect(performance.now() - start).toBeGreaterThanOrEqual(15);
  });

  it("rejects with the signal's reason when it aborts, at once or while waiting", async () => {
    const reason = new Error('stop');
    await expect(sleep(10_000, AbortSignal.abort(reason))).rejects.toBe(reason);
    const c = new AbortController();
    const waiting = sleep(10_000, c.signal);
    c.abort(reason);
    await expect(waiting).rejects.toBe(reason);
  });

  it('leaves no listener on a signal that outlives it', async () => {
    const c = new AbortController();
    let removed = 0;
    const remove = c.signal.removeEventListener.bind(c.signal);
    c.signal.removeEventListener = (...args: Parameters<typeof remove>) => {
      removed++;
      remove(...args);
    };
    await sleep(1, c.signal);
    expect(removed).toBe(1);
  });
});
