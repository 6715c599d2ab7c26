import { isMeshError } from '@mesh/core';
import { describe, expect, it } from 'vitest';
import { buildCli } from './cli.js';
import { Output } from './output/output.js';

function quiet() {
  const write = () => true;
  return new Output({ json: false, env: {}, streams: { stdout: { write }, stderr: { write } } });
}

/** The usage error yargs' parse of `argv` ends in (message, hint, exit code). */
async function usageFailure(argv: string[]) {
  let error: unknown;
  try {
    // yargs throws some failures before parseAsync returns its promise: await inside the try.
    await buildCli(argv, quiet()).parseAsync();
  } catch (e) {
    error = e;
  }
  if (!isMeshError(error)) throw new Error(`expected a usage error, got ${String(error)}`);
  return { message: error.message, hint: error.hint, exitCode: error.exitCode };
}

describe('usage errors', () => {
  it('name an unknown command with the suggestion', async () => {
    expect(await usageFailure(['host', 'list'])).toEqual({
      message: 'Unknown command: host',
      hint: 'did you mean `mesh ports`? see mesh --help',
      exitCode: 2,
    });
  });

  it('name an unknown command without a suggestion', async () => {
    expect(await usageFailure(['frobnicate'])).toMatchObject({
      message: 'Unknown command: frobnicate',
      exitCode: 2,
    });
  });

  it('name an unknown subcommand with its group', async () => {
    expect(await usageFailure(['server', 'staus'])).toEqual({
      message: 'Unknown command: server staus',
      hint: 'did you mean `mesh server status`? see mesh server --help',
      exitCode: 2,
    });
    expect(await usageFailure(['server', 'nodes', 'lst'])).toMatchObject({
      message: 'Unknown command: server nodes lst',
      hint: 'did you mean `mesh server nodes list`? see mesh server nodes --help',
    });
  });

  it('print an invalid choice in full on one line', async () => {
    expect(await usageFailure(['ports', 'unknown'])).toEqual({
      message: 'Invalid value for role: "unknown" (choose server, wsl2, windows)',
      hint: 'see mesh ports --help',
      exitCode: 2,
    });
  });

  it('conflicts resolve: PATH or --all, and a --keep among the choices', async () => {
    expect(await usageFailure(['conflicts', 'resolve', '--keep', 'newest'])).toEqual({
      message: 'Name a PATH, or give --all',
      hint: 'see mesh conflicts resolve --help',
      exitCode: 2,
    });
    expect(
      await usageFailure(['conflicts', 'resolve', 'a.txt', '--all', '--keep', 'newest']),
    ).toMatchObject({ message: 'Give PATH or --all, not both', exitCode: 2 });
    expect(await usageFailure(['conflicts', 'resolve', 'a.txt', '--keep', 'latest'])).toEqual({
      message: 'Invalid value for keep: "latest" (choose mine, theirs, newest, both)',
      hint: 'see mesh conflicts resolve --help',
      exitCode: 2,
    });
    expect(await usageFailure(['conflicts', 'reslove'])).toMatchObject({
      message: 'Unknown command: conflicts reslove',
      exitCode: 2,
    });
  });

  it('point an unknown flag at its command help', async () => {
    expect(await usageFailure(['status', '--no-such-flag'])).toEqual({
      message: 'Unknown argument: such-flag',
      hint: 'see mesh status --help',
      exitCode: 2,
    });
  });
});
