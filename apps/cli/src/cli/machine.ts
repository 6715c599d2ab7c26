import { lazyCommand } from '../lazy-command.js';
import { type CommandDeps, defineCommand } from './command.js';

// The commands about this machine alone: its health, its repair, its hardening and its ports.

/** `mesh status`: the health check, for people and scripts. */
export function statusCommand({ out }: CommandDeps) {
  return defineCommand({
    command: 'status',
    describe: 'Check the health of this machine (exit 0 only when healthy)',
    builder: (y) =>
      y
        .option('verbose', {
          alias: 'v',
          type: 'boolean',
          default: false,
          describe: 'Show peers and details',
        })
        .example('$0 status', 'Quick health check')
        .example('$0 status --json | jq .healthy', 'Health as JSON for scripts'),
    handler: lazyCommand(out, () => import('../commands/status.js'), 'status'),
  });
}

/** `mesh doctor`: every check with its evidence, and the safe repairs. */
export function doctorCommand({ out }: CommandDeps) {
  return defineCommand({
    command: 'doctor',
    describe: 'Run every check with its evidence; --fix applies the safe repairs and checks again',
    builder: (y) =>
      y
        .option('fix', {
          type: 'boolean',
          default: false,
          describe: 'Start, restart, resume and pair what is broken (never deletes anything)',
        })
        .example('$0 doctor', 'What is wrong, and why')
        .example('$0 doctor --fix', 'Repair what is safe to repair, then say what is left'),
    handler: lazyCommand(out, () => import('../commands/doctor.js'), 'doctorCommand'),
  });
}

/** `mesh harden <role>`: the server's ACL policy and settings, or a client's privacy settings. */
export function hardenCommand({ out }: CommandDeps) {
  return defineCommand({
    command: 'harden <role>',
    describe:
      'Harden this machine: the ACL policy and Headscale settings (server), no log upload and a loopback-only Syncthing GUI (client)',
    builder: (y) =>
      y
        .positional('role', {
          choices: ['server', 'client'] as const,
          demandOption: true,
          describe:
            'server: Headscale (on the server only); client: tailscaled and Syncthing (any machine)',
        })
        .option('dry-run', {
          type: 'boolean',
          default: false,
          describe: 'Print what would change and change nothing',
        })
        .option('tags', {
          type: 'string',
          describe:
            'server: more ACL tags whose nodes belong to the mesh (tag:ci,tag:lab); tags in use are kept',
        })
        .example('$0 harden server --dry-run', 'What hardening would change on the server')
        .example('$0 harden server --tags ci', 'Also let in nodes joined with keygen --tags ci')
        .example('$0 harden client', 'No log upload to Tailscale, Syncthing GUI on loopback'),
    handler: lazyCommand(out, () => import('../commands/harden.js'), 'harden'),
  });
}

/** `mesh ports [role]`: the ports a role uses. */
export function portsCommand({ out }: CommandDeps) {
  return defineCommand({
    command: 'ports [role]',
    describe: 'Show the ports of this machine, or of a role',
    builder: (y) =>
      y
        .positional('role', {
          choices: ['server', 'wsl2', 'windows'] as const,
          describe: "The role whose ports to show (default: this machine's role)",
        })
        .example('$0 ports', "This machine's ports, by its detected role")
        .example('$0 ports wsl2', 'Show which ports a WSL2 machine uses'),
    handler: lazyCommand(out, () => import('../commands/ports.js'), 'ports'),
  });
}
