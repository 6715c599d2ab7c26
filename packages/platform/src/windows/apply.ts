import { CommandFailedError } from '../errors.js';
import { createRunner, type Runner } from '../runner.js';
import { type WindowsAction, type WindowsIntent, windowsActions } from './actions.js';
import { type Command, powershellErrorMessage } from './powershell.js';

/** What happened to one action. */
export interface WindowsActionResult {
  id: string;
  description: string;
  /** `ok`: already as wanted; `changed`: applied now; `would-change`: dry run. */
  status: 'ok' | 'changed' | 'would-change';
}

export interface ApplyWindowsOptions {
  /** Runs powershell.exe / winget.exe (natively or through WSL interop). @default createRunner() */
  runner?: Runner;
  /** Check only; change nothing. @default false */
  dryRun?: boolean;
  /** Per command, in milliseconds (winget installs are slow). @default 300000 */
  timeout?: number;
}

async function run(runner: Runner, c: Command, timeout: number) {
  return runner.run(c.file, c.args, {
    timeout,
    ...(c.input === undefined ? {} : { input: c.input }),
  });
}

/**
 * Runs actions idempotently: each is checked first and applied only when the check fails, then
 * checked again (an apply that leaves the machine different is an error).
 */
export async function applyWindowsActions(
  actions: readonly WindowsAction[],
  options: ApplyWindowsOptions = {},
): Promise<WindowsActionResult[]> {
  const runner = options.runner ?? createRunner();
  const timeout = options.timeout ?? 300_000;
  const results: WindowsActionResult[] = [];
  for (const action of actions) {
    const base = { id: action.id, description: action.description };
    if ((await run(runner, action.check, timeout)).exitCode === 0) {
      results.push({ ...base, status: 'ok' });
      continue;
    }
    if (options.dryRun) {
      results.push({ ...base, status: 'would-change' });
      continue;
    }
    for (const command of action.apply) {
      const r = await run(runner, command, timeout);
      if (r.exitCode !== 0) {
        throw new CommandFailedError(
          `${action.id}: ${command.file}`,
          r.exitCode,
          powershellErrorMessage(r.stderr || r.stdout),
          {
            hint: 'run it from an elevated (Administrator) session',
          },
        );
      }
    }
    const after = await run(runner, action.check, timeout);
    if (after.exitCode !== 0) {
      throw new CommandFailedError(
        `${action.id}: check after change`,
        after.exitCode,
        powershellErrorMessage(after.stderr),
        {
          hint: 'the change did not take effect; inspect it by hand',
        },
      );
    }
    results.push({ ...base, status: 'changed' });
  }
  return results;
}

/** Brings a Windows host to `intent`, changing only what differs. */
export function applyWindowsIntent(
  intent: WindowsIntent,
  options: ApplyWindowsOptions = {},
): Promise<WindowsActionResult[]> {
  return applyWindowsActions(windowsActions(intent), options);
}
