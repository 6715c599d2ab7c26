/** The shells `mesh completion` writes a script for by name (bash and zsh: yargs, by SHELL). */
export const COMPLETION_SHELLS = ['powershell'] as const;

export type CompletionShell = (typeof COMPLETION_SHELLS)[number];

/**
 * The shell to write for when none is named: PowerShell on Windows outside a POSIX shell (Git
 * Bash and MSYS set SHELL; cmd.exe has no completion), else yargs' bash or zsh script.
 */
export function completionShell(
  named: CompletionShell | undefined,
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): CompletionShell | 'yargs' {
  if (named) return named;
  return platform === 'win32' && !env['SHELL'] ? 'powershell' : 'yargs';
}

/**
 * PowerShell completion through the protocol of yargs' bash script: the words up to the cursor,
 * the command name first and an empty word after a space, go to `mesh --get-yargs-completions`,
 * which prints one candidate a line.
 */
export function powershellCompletionScript(name = 'mesh'): string {
  return `###-begin-${name}-completions-###
#
# mesh command completion script for PowerShell (Windows PowerShell 5.1 and PowerShell 7)
#
# Installation: ${name} completion powershell >> $PROFILE
#    or for this session only: ${name} completion powershell | Out-String | Invoke-Expression
#
Register-ArgumentCompleter -Native -CommandName '${name}', '${name}.exe' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $words = @($commandAst.CommandElements |
        Where-Object { $_.Extent.StartOffset -lt $cursorPosition } |
        ForEach-Object { $_.Extent.Text })
    # yargs completes the last word: after a space that is a new, empty one. Windows PowerShell
    # and the Legacy argument passing drop an empty argument, but pass '""' as one.
    if ($wordToComplete -eq '') {
        $passing = Get-Variable PSNativeCommandArgumentPassing -ValueOnly -ErrorAction Ignore
        $words += $(if ($passing -in @($null, 'Legacy')) { '""' } else { '' })
    }
    $program = $commandAst.GetCommandName()
    # Under a zsh SHELL yargs adds ':description' to each line; a colon in a value is escaped.
    & $program --get-yargs-completions @words 2>$null |
        ForEach-Object { ($_ -replace '(?<!\\\\):.*$', '') -replace '\\\\:', ':' } |
        Where-Object { $_.StartsWith($wordToComplete, [System.StringComparison]::OrdinalIgnoreCase) } |
        ForEach-Object {
            [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_)
        }
}
###-end-${name}-completions-###
`;
}
