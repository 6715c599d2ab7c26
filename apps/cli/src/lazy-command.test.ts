import { afterEach, describe, expect, it } from 'vitest';
import { lazyCommand } from './lazy-command.js';
import { capturedOutput } from './output/capture.js';
import type { Output } from './output/output.js';

const { out } = capturedOutput();

/** A stand-in for a `commands/` module, counting its imports. */
function fakeModule(code: number | undefined, seen: Array<[unknown, Output]> = []) {
  const loads = { count: 0 };
  const load = async () => {
    loads.count += 1;
    return {
      run: async (args: { json: boolean; name?: string }, o: Output) => {
        seen.push([args, o]);
        return code;
      },
    };
  };
  return { load, loads, seen };
}

afterEach(() => {
  process.exitCode = undefined;
});

describe('lazyCommand', () => {
  it('imports the module only when the command runs, then hands the options and output over', async () => {
    const m = fakeModule(0);
    const handler = lazyCommand(out, m.load, 'run');
    expect(m.loads.count).toBe(0);
    const args = { json: true, name: 'laptop' };
    await handler(args);
    expect(m.loads.count).toBe(1);
    expect(m.seen).toEqual([[args, out]]);
    expect(m.seen[0]?.[0]).toBe(args);
  });

  it.each([
    [0, undefined],
    [undefined, undefined],
    [3, 3],
    [1, 1],
  ])('a command that returns %j leaves process.exitCode %j', async (code, exitCode) => {
    await lazyCommand(out, fakeModule(code).load, 'run')({ json: false });
    expect(process.exitCode).toBe(exitCode);
  });

  it('lets a failure through to the error boundary, exit code untouched', async () => {
    const failure = new Error('server unreachable');
    const handler = lazyCommand(
      out,
      async () => ({
        run: async (_a: { json: boolean }, _o: Output): Promise<number> => {
          throw failure;
        },
      }),
      'run',
    );
    await expect(handler({ json: false })).rejects.toBe(failure);
    expect(process.exitCode).toBeUndefined();
  });
});
