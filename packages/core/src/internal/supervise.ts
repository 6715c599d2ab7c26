import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa, type Options } from 'execa';

/** One long-lived program Mesh keeps running without a service manager. */
export interface DaemonSpec {
  /** Short name: pid file `<runDir>/<name>.pid`, log `<runDir>/<name>.log`. */
  name: string;
  file: string;
  args: readonly string[];
  /** Merged over the current environment. */
  env?: Record<string, string>;
  /** Directories created 0700 before starting. */
  dirs?: readonly string[];
}

export interface SuperviseOptions {
  /** Where pid and log files live. */
  runDir: string;
  /** argv prefix (e.g. `ip netns exec NS`) from the Runner. */
  prefix?: readonly string[];
}

/** The pid in `<runDir>/<name>.pid` if that process is alive. */
export async function runningPid(name: string, o: SuperviseOptions): Promise<number | undefined> {
  const text = await readFile(path.join(o.runDir, `${name}.pid`), 'utf8').catch(() => '');
  const pid = Number.parseInt(text.trim(), 10);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

/**
 * Starts a program in its own session (setsid), detached from this process, so it outlives the
 * `mesh` command that started it: the "supervised process" fallback for machines where systemd
 * is not PID 1 (containers, WSL without systemd, the lab). Output goes to a log file.
 */
export async function startDaemon(spec: DaemonSpec, o: SuperviseOptions): Promise<number> {
  await mkdir(o.runDir, { recursive: true, mode: 0o700 });
  for (const d of spec.dirs ?? []) await mkdir(d, { recursive: true, mode: 0o700 });
  const logPath = path.join(o.runDir, `${spec.name}.log`);
  // Create it 0600 first: daemons may log addresses and IDs that are nobody else's business.
  await (await open(logPath, 'a', 0o600)).close();
  {
    const [file, ...args] = [...(o.prefix ?? []), spec.file, ...spec.args] as [string, ...string[]];
    // A daemon has no timeout by design; `stopDaemon` and the pid file bound its life.
    const options: Options = {
      detached: true,
      cleanup: false,
      reject: false,
      stdin: 'ignore',
      stdout: { file: logPath, append: true },
      stderr: { file: logPath, append: true },
      env: spec.env ?? {},
    };
    const child = execa(file, args, options);
    child.unref();
    const pid = child.pid;
    if (pid === undefined) throw new Error(`could not start ${spec.file}`);
    // Don't let an early exit reject into the void.
    child.catch(() => undefined);
    await writeFile(path.join(o.runDir, `${spec.name}.pid`), `${pid}\n`, { mode: 0o600 });
    return pid;
  }
}

/** Stops a daemon started by {@link startDaemon} (TERM to its process group, then KILL). */
export async function stopDaemon(name: string, o: SuperviseOptions, graceMs = 5000): Promise<boolean> {
  const pid = await runningPid(name, o);
  if (pid === undefined) return false;
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-pid, s);
    } catch {
      try {
        process.kill(pid, s);
      } catch {
        // already gone
      }
    }
  };
  signal('SIGTERM');
  const until = Date.now() + graceMs;
  while (Date.now() < until && (await runningPid(name, o)) !== undefined) await sleep(100);
  if ((await runningPid(name, o)) !== undefined) signal('SIGKILL');
  await rm(path.join(o.runDir, `${name}.pid`), { force: true });
  return true;
}

/** Last lines of a daemon's log, for error messages. */
export async function daemonLogTail(name: string, o: SuperviseOptions, lines = 5): Promise<string> {
  const text = await readFile(path.join(o.runDir, `${name}.log`), 'utf8').catch(() => '');
  return text.trim().split('\n').slice(-lines).join('\n');
}
