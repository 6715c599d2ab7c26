import { closeSync, openSync } from 'node:fs';
import { execa } from 'execa';

/** How a supervised process ended. */
export interface ProcessExit {
  exitCode: number | undefined;
  signal: string | undefined;
  /** True when the lab (not the process itself) asked it to stop. */
  expected: boolean;
}

/** One long-lived program the lab runs inside a host namespace. */
export interface LabProcess {
  /** Short name, e.g. `tailscaled`; the log file is `<logs>/<name>.log`. */
  name: string;
  host: string;
  /** Pid of the program itself (`ip netns exec` execs into it), leader of its own session. */
  pid: number;
  logPath: string;
  argv: readonly string[];
  /** Settles when the process ends, whatever the reason. Never rejects. */
  exited: Promise<ProcessExit>;
  readonly running: boolean;
  /** SIGTERM to the process group, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<ProcessExit>;
  /** Let this Node process exit while the program keeps running (CLI `up`). */
  detach(): void;
}

export interface SpawnInNamespaceOptions {
  ns: string;
  host: string;
  name: string;
  file: string;
  args: readonly string[];
  /** The whole environment: nothing of the caller's leaks in (proxies, tokens). */
  env: Record<string, string>;
  logPath: string;
  cwd?: string;
  /** Called when the process ends without `stop()` having been called. */
  onUnexpectedExit?: (proc: LabProcess, exit: ProcessExit) => void;
}

/**
 * Starts `file args` inside namespace `ns`, in its own session (execa `detached`, i.e. setsid),
 * so a crashed parent neither takes it down nor leaves it unkillable: the lab later finds it
 * with `ip netns pids` or by its process group. Output goes straight to `logPath`.
 */
export function spawnInNamespace(o: SpawnInNamespaceOptions): LabProcess {
  // execa's types only list fds 3-9 for stdout, but any open fd is passed to the child as is.
  const fd = openSync(o.logPath, 'a', 0o600) as 3;
  const start = () =>
    // A daemon has no timeout; it is bounded by stop() and by the lab's teardown.
    execa('ip', ['netns', 'exec', o.ns, o.file, ...o.args], {
      detached: true,
      cleanup: false,
      reject: false,
      extendEnv: false,
      env: o.env,
      stdin: 'ignore',
      stdout: fd,
      stderr: fd,
      ...(o.cwd ? { cwd: o.cwd } : {}),
    });
  let child: ReturnType<typeof start>;
  try {
    child = start();
  } finally {
    closeSync(fd);
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${o.file} in ${o.ns}`);
  let stopping = false;
  let running = true;
  const exited: Promise<ProcessExit> = child.then(
    (r) => {
      running = false;
      return { exitCode: r.exitCode, signal: r.signal, expected: stopping };
    },
    () => {
      running = false;
      return { exitCode: undefined, signal: undefined, expected: stopping };
    },
  );
  const proc: LabProcess = {
    name: o.name,
    host: o.host,
    pid,
    logPath: o.logPath,
    argv: [o.file, ...o.args],
    exited,
    get running() {
      return running;
    },
    async stop(graceMs = 3000) {
      stopping = true;
      if (running) {
        signalGroup(pid, 'SIGTERM');
        const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
        try {
          await exited;
        } finally {
          clearTimeout(timer);
        }
      }
      return exited;
    },
    detach() {
      child.unref();
    },
  };
  void exited.then((exit) => {
    if (!exit.expected) o.onUnexpectedExit?.(proc, exit);
  });
  return proc;
}

/** Signals a whole process group; a group that is already gone is fine. */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** True if a process with this pid exists. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
