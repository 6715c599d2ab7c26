import { lazyCommand } from '../lazy-command.js';
import { type CommandDeps, defineCommand } from './command.js';

/** `mesh agent ...`: the long-running agent that vouches for this node and pairs. */
export function agentCommand({ out, enter }: CommandDeps) {
  const load = () => import('../commands/agent.js');
  return defineCommand({
    command: 'agent',
    describe: 'The mesh agent (setup installs and starts it as a service)',
    builder: (y) => {
      enter('agent');
      return y
        .command(
          'run',
          'Run the agent in the foreground (what the mesh-agent service runs)',
          (c) =>
            c.example('$0 agent run', 'Vouch for this node, pair, rescan changes, until stopped'),
          lazyCommand(out, load, 'agent'),
        )
        .command(
          'status',
          'Whether the agent runs, and what it last saw (exit 3 when it is not running)',
          (c) => c.example('$0 agent status --json', 'Its published state, for scripts'),
          lazyCommand(out, load, 'agentStatusCommand'),
        )
        .command(
          'logs',
          "The agent's recent log lines (journald under systemd, else its log file)",
          (c) =>
            c
              .option('lines', {
                alias: 'n',
                type: 'number',
                default: 50,
                describe: 'How many lines',
              })
              .example('$0 agent logs -n 200', 'The last 200 lines'),
          lazyCommand(out, load, 'agentLogsCommand'),
        )
        .demandCommand(1, 'Name an agent command: run, status, logs');
    },
  });
}
