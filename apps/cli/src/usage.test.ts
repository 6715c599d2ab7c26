import { describe, expect, it } from 'vitest';
import { describeUsageFailure } from './usage.js';

describe('describeUsageFailure', () => {
  it('names the unknown command next to the suggestion', () => {
    expect(
      describeUsageFailure('Did you mean ports?', { positionals: ['host', 'list'], groups: [] }),
    ).toEqual({
      message: 'Unknown command: host',
      hint: 'did you mean `mesh ports`? see mesh --help',
    });
  });

  it('names an unknown subcommand with its group', () => {
    expect(
      describeUsageFailure('Did you mean status?', {
        positionals: ['server', 'staus'],
        groups: ['server'],
      }),
    ).toEqual({
      message: 'Unknown command: server staus',
      hint: 'did you mean `mesh server status`? see mesh server --help',
    });
  });

  it('calls an unknown word in a command position a command, not an argument', () => {
    expect(
      describeUsageFailure('Unknown arguments: frobnicate, list', {
        positionals: ['frobnicate', 'list'],
        groups: [],
      }),
    ).toEqual({ message: 'Unknown command: frobnicate', hint: 'see mesh --help' });
  });

  it('leaves an unknown argument of a command alone and points at its help', () => {
    expect(
      describeUsageFailure('Unknown argument: foo', { positionals: ['status', 'foo'], groups: [] }),
    ).toEqual({ message: 'Unknown argument: foo', hint: 'see mesh status --help' });
  });

  it('lists an unknown flag once, not also in camelCase', () => {
    expect(
      describeUsageFailure('Unknown arguments: such-flag, suchFlag', {
        positionals: ['status'],
        groups: [],
      }),
    ).toEqual({ message: 'Unknown argument: such-flag', hint: 'see mesh status --help' });
  });

  it('puts invalid choices on one line', () => {
    const message =
      'Invalid values:\n  Argument: role, Given: "unknown", Choices: "server", "wsl2", "windows"';
    expect(
      describeUsageFailure(message, { positionals: ['ports', 'unknown'], groups: [] }),
    ).toEqual({
      message: 'Invalid value for role: "unknown" (choose server, wsl2, windows)',
      hint: 'see mesh ports --help',
    });
  });

  it('joins several invalid arguments, and any other message, into one line', () => {
    const message =
      'Invalid values:\n  Argument: a, Given: "x", Choices: "b"\n  Argument: c, Given: 1, Choices: 2, 3';
    expect(describeUsageFailure(message, { positionals: [], groups: [] }).message).toBe(
      'Invalid value for a: "x" (choose b); Invalid value for c: 1 (choose 2, 3)',
    );
    expect(
      describeUsageFailure('Missing required argument:\n  node', {
        positionals: ['server', 'nodes', 'expire'],
        groups: ['server', 'nodes'],
      }),
    ).toEqual({
      message: 'Missing required argument: node',
      hint: 'see mesh server nodes expire --help',
    });
  });
});
