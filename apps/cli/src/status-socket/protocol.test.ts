import { describe, expect, it } from 'vitest';
import { answeredByAgent, statusSocketPath } from './protocol.js';

describe('answeredByAgent', () => {
  it.each([
    [['status'], true],
    [['status', '--json'], true],
    [['status', '-v', '--json'], true],
    [['status', '--verbose'], true],
    [['status', '--debug'], false],
    [['status', '--help'], false],
    [['status', 'extra'], false],
    [['server', 'status'], false],
    [[], false],
  ])('%j -> %s', (argv, expected) => {
    expect(answeredByAgent(argv)).toBe(expected);
  });
});

describe('statusSocketPath', () => {
  it('is in the state directory, as the CLI resolves it', () => {
    expect(statusSocketPath({ XDG_STATE_HOME: '/s', HOME: '/h' }, 'linux')).toBe(
      '/s/mesh/agent.sock',
    );
    expect(statusSocketPath({ HOME: '/h' }, 'linux')).toBe('/h/.local/state/mesh/agent.sock');
    expect(statusSocketPath({ HOME: '/h' }, 'darwin')).toBe('/h/.local/state/mesh/agent.sock');
  });

  it('is none when MESH_STATUS_LOCAL=1 asks the CLI to run status itself', () => {
    expect(statusSocketPath({ HOME: '/h', MESH_STATUS_LOCAL: '1' }, 'linux')).toBeUndefined();
  });

  it('is none on Windows, where the CLI runs every command itself', () => {
    expect(statusSocketPath({ HOME: 'C:\\Users\\a' }, 'win32')).toBeUndefined();
  });
});
