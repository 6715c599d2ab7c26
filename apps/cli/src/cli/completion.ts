import type { Argv } from 'yargs';
import { COMPLETION_SHELLS, completionShell, powershellCompletionScript } from '../completion.js';
import { defineCommand } from './command.js';

/**
 * `mesh completion [shell]`: a shell's completion script. It takes the root yargs instance rather
 * than the deps the other commands take: bash and zsh get that instance's own script.
 */
export function completionCommand(cli: Argv) {
  return defineCommand({
    command: 'completion [shell]',
    describe:
      'Print a shell completion script (bash/zsh, PowerShell): mesh completion >> ~/.bashrc',
    builder: (y) =>
      y
        .positional('shell', {
          choices: COMPLETION_SHELLS,
          describe:
            'The PowerShell script (the default on Windows); else bash or zsh, as SHELL says',
        })
        .example('$0 completion >> ~/.bashrc', 'Complete mesh commands in bash')
        .example('$0 completion >> ~/.zshrc', 'The same in zsh (SHELL decides the script)')
        .example('$0 completion powershell >> $PROFILE', 'The same in PowerShell'),
    handler: (a) => {
      if (completionShell(a.shell) === 'powershell') {
        process.stdout.write(powershellCompletionScript());
        return;
      }
      // Not yargs' .completion(): it prints the script before it looks at --help. The
      // script's `--get-yargs-completions` calls are answered without it.
      cli.showCompletionScript();
    },
  });
}
