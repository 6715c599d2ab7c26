import { describe, expect, it } from 'vitest';
import { AGENT_NODE_FLAGS, agentCommand } from './self-command.js';

describe('agentCommand', () => {
  const here = process.argv[1] as string;
  const node = process.execPath;

  it('runs the agent-only bundle beside the CLI when it is there', () => {
    const cmd = agentCommand([node, here], { standalone: false, exists: () => true });
    expect(cmd[0]).toBe(node);
    expect(cmd.slice(1, -1)).toEqual([...AGENT_NODE_FLAGS]);
    expect(cmd.at(-1)).toMatch(/mesh-agent\.js$/);
  });

  it('falls back to `mesh agent run` of the same bundle', () => {
    expect(
      agentCommand([node, here], { standalone: false, exists: () => false }).slice(-3),
    ).toEqual([expect.stringMatching(/\.[cm]?js$/), 'agent', 'run']);
  });

  it('a single-file binary runs itself, without Node flags', () => {
    expect(agentCommand([node, './mesh'], { standalone: true, exists: () => true })).toEqual([
      node,
      'agent',
      'run',
    ]);
  });
});
