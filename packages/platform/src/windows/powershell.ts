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
