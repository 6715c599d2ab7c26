import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { MeshContext } from '../context.js';
import { withMachineLock } from './machine-lock.js';

const ctx = (stateDir: string, lines: string[] = []) =>
  ({
    paths: { stateDir },
    reporter: { info: (l: string) => lines.push(l) },
  }) as unknown as MeshContext;

describe('withMachineLock', () => {
  it('runs two commands of one machine one after the other, saying that the second waits', async () => {
    const lines: string[] = [];
    const c = ctx(`/tmp/mesh-lock-test-${process.pid}-${Date.now()}`, lines);
    const order: string[] = [];
    const job = (name: string) => async () => {
      order.push(`${name} start`);
      await sleep(150);
      order.push(`${name} end`);
      return name;
    };
    const [a, b] = await Promise.all([withMachineLock(c, job('a')), withMachineLock(c, job('b'))]);
    expect([a, b]).toEqual(['a', 'b']);
    expect(order).toEqual(['a start', 'a end', 'b start', 'b end']);
    expect(lines.some((l) => l.startsWith('Waiting for another mesh command'))).toBe(true);
  });

  it('refuses in one line when the other one does not finish in time, and frees the lock after', async () => {
    const c = ctx(`/tmp/mesh-lock-test-${process.pid}-${Date.now()}-b`);
    const long = withMachineLock(c, () => sleep(500));
    await sleep(50);
    await expect(withMachineLock(c, async () => 1, 100)).rejects.toMatchObject({
      message: 'another mesh setup is still running on this machine',
      exitCode: 1,
    });
    await long;
    await expect(withMachineLock(c, async () => 2, 100)).resolves.toBe(2);
  });
});
