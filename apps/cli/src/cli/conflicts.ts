import { usageError } from '../boundary.js';
import { lazyCommand } from '../lazy-command.js';
import { type CommandDeps, defineCommand } from './command.js';

/** `mesh conflicts`: Syncthing's conflict copies listed, and `conflicts resolve` to settle them. */
export function conflictsCommand({ out, enter }: CommandDeps) {
  const load = () => import('../commands/conflicts.js');
  return defineCommand({
    command: 'conflicts',
    describe:
      'List Syncthing conflict copies in the shared folder (who made them, when, sizes), or resolve them',
    builder: (y) => {
      enter('conflicts');
      return y
        .command(
          'resolve [path]',
          'Keep one version of a conflict (or both); the other moves to .mesh-resolved, never deleted',
          (c) =>
            c
              .positional('path', {
                type: 'string',
                describe:
                  'A conflict copy or its original, relative to the shared folder or absolute',
              })
              .option('keep', {
                // Spelled out rather than imported: @mesh/core loads only when a command runs.
                choices: ['mine', 'theirs', 'newest', 'both'] as const,
                demandOption: true,
                describe:
                  "mine: the original as it is; theirs: the copy's content; newest: the later mtime; both: the copy renamed to a plain name",
              })
              .option('all', {
                type: 'boolean',
                describe: 'Every conflict copy in the shared folder (instead of PATH)',
              })
              .option('dry-run', {
                type: 'boolean',
                default: false,
                describe: 'Print what would happen and change nothing',
              })
              .check((a) => {
                // A MeshError, since .fail rethrows any error a check gives it.
                const help = 'see mesh conflicts resolve --help';
                if (a.all === true && a.path !== undefined) {
                  throw usageError('Give PATH or --all, not both', help);
                }
                if (a.all !== true && a.path === undefined) {
                  throw usageError('Name a PATH, or give --all', help);
                }
                return true;
              })
              .example(
                '$0 conflicts resolve notes.txt --keep theirs',
                "Take the other device's version",
              )
              .example(
                '$0 conflicts resolve --all --keep newest --dry-run',
                'See what newest would do',
              )
              .example(
                '$0 conflicts resolve notes.sync-conflict-20240102-030405-ABCDEFG.txt --keep both',
                'Keep both, the copy renamed "notes (conflict DEVICE 2024-01-02 03-04-05).txt"',
              ),
          lazyCommand(out, load, 'conflictsResolve'),
        )
        .example('$0 conflicts', 'Show *.sync-conflict-* files: original, device, time, sizes')
        .example(
          '$0 conflicts --json',
          '{ conflicts: [{ copy, original, madeOn, winner, madeAt, ... }] }',
        );
    },
    handler: lazyCommand(out, load, 'conflicts'),
  });
}
