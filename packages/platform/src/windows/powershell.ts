/** A program call: file, argv and (for secrets) standard input. Never a shell string. */
export interface Command {
  file: string;
  args: string[];
  /** Written to stdin; the only way a secret reaches a process. */
  input?: string;
}

/** The PowerShell Mesh calls: Windows PowerShell 5.1 is on every Windows 10/11 (pwsh may not be). */
export const POWERSHELL = 'powershell.exe';

/** Quotes a value as a PowerShell single-quoted string (no expansion; `'` doubled). */
export function psQuote(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * `powershell.exe -NoProfile -NonInteractive -Command <script>`. Generated scripts use single
 * quotes only: double quotes do not survive the Windows command line built by WSL interop.
 * `$ErrorActionPreference = 'Stop'` makes a failing cmdlet a non-zero exit.
 */
export function powershellCommand(script: string, input?: string): Command {
  return {
    file: POWERSHELL,
    args: [
      '-NoProfile',
      '-NonInteractive',
      '-Command',
      `$ErrorActionPreference = 'Stop'; ${script}`,
    ],
    ...(input === undefined ? {} : { input }),
  };
}

/**
 * The message of a PowerShell error record, without the position and category lines after it
 * (`At line:1 char:229`, `+ ~~~`, `+ CategoryInfo`, `+ FullyQualifiedErrorId`): those point into
 * the generated one-line script, and they are the last lines an error message would otherwise
 * show. Text that is no error record is returned as it is.
 */
export function powershellErrorMessage(stderr: string): string {
  const lines = stderr.split(/\r?\n/);
  const at = lines.findIndex((l) => /^At (line:\d+|\S.*:\d+) char:\d+$/.test(l.trim()));
  if (at <= 0) return stderr;
  return lines.slice(0, at).join('\n').trim();
}
