import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CommandFailedError, UnsupportedPlatformError } from '../errors.js';
import { inRoot } from '../internal/root.js';
import { createRunner, type Runner, type RunResult } from '../runner.js';
import { type Command, POWERSHELL, powershellCommand, psQuote } from '../windows/powershell.js';
import { windowsToWslPath } from './paths.js';

export interface InteropOptions {
  /** @default createRunner() */
  runner?: Runner;
  /** Machine root (for the binfmt entry and the temp-file copy). @default '/' */
  root?: string;
  /** @default 120000 (ms) */
  timeout?: number;
}

/**
 * Runs a PowerShell snippet on Windows (natively, or from WSL through interop):
 * `powershell.exe -NoProfile -NonInteractive -Command <script>`. A secret goes in `input` and
 * is read with `[Console]::In.ReadLine()`, never spliced into the script.
 */
export function runPowerShell(
  script: string,
  options: InteropOptions & { input?: string } = {},
): Promise<RunResult> {
  const c = powershellCommand(script, options.input);
  return (options.runner ?? createRunner()).run(c.file, c.args, {
    timeout: options.timeout ?? 120_000,
    ...(c.input === undefined ? {} : { input: c.input }),
  });
}

/** Asks Windows for its temp directory (`[IO.Path]::GetTempPath()`), as a Windows path. */
export async function windowsTempDir(options: InteropOptions = {}): Promise<string> {
  const r = await runPowerShell('[IO.Path]::GetTempPath()', options);
  const dir = r.stdout.trim();
  if (r.exitCode !== 0 || !/^[A-Za-z]:\\/.test(dir)) {
    throw new UnsupportedPlatformError('cannot reach Windows from here (powershell.exe failed)', {
      hint: 'inside WSL, check that interop is enabled ([interop] enabled=true in /etc/wsl.conf)',
    });
  }
  return dir.replace(/\\+$/, '');
}

/**
 * The argv that runs a script file elevated (UAC prompt) from WSL2 and waits for it:
 * `Start-Process powershell.exe -Verb RunAs -Wait -PassThru` with
 * `-NoProfile -ExecutionPolicy Bypass -File <script> -LogFile <log>`; the outer process exits with
 * the elevated script's exit code.
 */
export function elevatedRunCommand(input: {
  scriptWindowsPath: string;
  logWindowsPath: string;
  shell?: 'powershell.exe' | 'pwsh.exe';
}): Command {
  const shell = input.shell ?? POWERSHELL;
  // The elevated process gets one command line; paths with spaces need double quotes there, and
  // [char]34 makes them at run time because literal " does not survive WSL's interop argv.
  return powershellCommand(
    `$q = [char]34; $a = '-NoProfile -ExecutionPolicy Bypass -File ' + $q + ${psQuote(input.scriptWindowsPath)} + $q + ` +
      `' -LogFile ' + $q + ${psQuote(input.logWindowsPath)} + $q; ` +
      `$p = Start-Process -FilePath ${psQuote(shell)} -Verb RunAs -Wait -PassThru -ArgumentList $a; exit $p.ExitCode`,
  );
}

export interface ElevatedRunOptions extends InteropOptions {
  /** The Windows temp directory. @default asked from Windows ([IO.Path]::GetTempPath()) */
  windowsTemp?: string;
  /** Where WSL mounts drives. @default '/mnt/' */
  mountRoot?: string;
  /** Shell used elevated. @default 'powershell.exe' */
  shell?: 'powershell.exe' | 'pwsh.exe';
}

/**
 * Runs a PowerShell script elevated from WSL: copies it under the Windows user's temp folder
 * (elevated PowerShell cannot read `\\wsl.localhost` paths), starts it through UAC, returns its
 * exit code and transcript log, and deletes both temp files. The script should accept `-LogFile`
 * (scripts from {@link renderWindowsScript} do).
 */
export async function runElevatedScript(
  script: string,
  options: ElevatedRunOptions = {},
): Promise<{ exitCode: number; log: string }> {
  const winTemp = options.windowsTemp ?? (await windowsTempDir(options));
  const id = randomBytes(4).toString('hex');
  const scriptWin = `${winTemp}\\mesh-${id}.ps1`;
  const logWin = `${winTemp}\\mesh-${id}.log`;
  const mount = { ...(options.mountRoot ? { mountRoot: options.mountRoot } : {}) };
  const scriptLocal = inRoot(options.root, windowsToWslPath(scriptWin, mount));
  const logLocal = inRoot(options.root, windowsToWslPath(logWin, mount));
  await mkdir(path.dirname(scriptLocal), { recursive: true });
  // Windows PowerShell 5.1 reads a BOM-less file as ANSI; the BOM keeps non-ASCII text intact.
  await writeFile(scriptLocal, `\uFEFF${script}`, { mode: 0o600 });
  try {
    const c = elevatedRunCommand({
      scriptWindowsPath: scriptWin,
      logWindowsPath: logWin,
      ...(options.shell ? { shell: options.shell } : {}),
    });
    const r = await (options.runner ?? createRunner()).run(c.file, c.args, {
      timeout: options.timeout ?? 900_000,
    });
    const log = await readFile(logLocal, 'utf8').catch(() => '');
    if (r.exitCode !== 0 && log === '') {
      throw new CommandFailedError('elevated PowerShell', r.exitCode, r.stderr, {
        hint: 'accept the UAC prompt on the Windows desktop, or run the script there by hand',
      });
    }
    return { exitCode: r.exitCode, log: stripTranscript(log) };
  } finally {
    await rm(scriptLocal, { force: true });
    await rm(logLocal, { force: true });
  }
}

/** Drops PowerShell's transcript header and footer (the `*****` blocks) from a log. */
export function stripTranscript(log: string): string {
  return log
    .replace(/^\uFEFF/, '')
    .replace(/\*{10,}[\s\S]*?\*{10,}\r?\n?/g, '')
    .replace(/^Transcript started.*\r?\n?/gm, '')
    .trim();
}
