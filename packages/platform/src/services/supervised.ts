import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import * as z from 'zod/mini';
import { ServiceError } from '../errors.js';
import { readIfExists, writeFileAtomic } from '../internal/atomic-file.js';
import { alive } from '../internal/pid.js';
import { acquireLock } from '../lock.js';
import type { Runner } from '../runner.js';
import { shellQuote } from '../shell-words.js';
import { KEEPER_SCRIPT } from './keeper-script.js';
import type { ServiceManager, ServiceSpec, ServiceStatus } from './service.js';

/** The spec file this manager writes beside each service; checked when read back. */
const storedSpec = z.looseObject({
  name: z.string(),
  description: z.string(),
  exec: z.array(z.string()).check(z.minLength(1)),
  env: z.optional(z.record(z.string(), z.string())),
  enabled: z.optional(z.boolean()),
});

export interface SupervisedOptions {
  /** Directory for specs, pid files and logs (for example `meshDirs().state + '/services'`). */
  stateDir: string;
  /** Its `prefix` (for example `ip netns exec NS`) is put before the supervisor. */
  runner?: Runner;
  /** The POSIX shell that runs the keepers. @default '/bin/sh' */
  shell?: string;
}

/**
 * The `<name>.run` file the keeper sources before each start: the restart policy and a
 * `program` function that enters the working directory, sets the environment and execs the
 * program (so the pid the keeper records is the program's own).
 */
export function renderRunFile(spec: ServiceSpec, defaultDir: string): string {
  const exports = Object.entries(spec.env ?? {}).map(([k, v]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) {
      throw new ServiceError(`${spec.name}: not a valid environment variable name: ${k}`);
    }
    return `  export ${shellQuote(`${k}=${v}`)}\n`;
  });
  const restartMs = Math.round(Math.max(0.05, spec.restartSec ?? 1) * 1000);
  return (
    `# Written by mesh for ${spec.name}; install rewrites it.\n` +
    `restart=${spec.restart ?? 'on-failure'}\n` +
    `restart_ms=${restartMs}\n` +
    'program() {\n' +
    `  cd ${shellQuote(spec.workingDirectory ?? defaultDir)} || exit 1\n` +
    exports.join('') +
    `  exec ${spec.exec.map(shellQuote).join(' ')}\n` +
    '}\n'
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Sends `signal` to `pid`. A supervisor started behind a privileged prefix (`sudo -n`) belongs
 * to root, so this process may not signal it (EPERM): then `kill` runs through `runner`, whose
 * prefix is the one that started it. Exported for tests; `kill` is injectable for the same reason.
 */
export async function signalProcess(
  pid: number,
  signal: 'SIGTERM' | 'SIGKILL' | 'SIGUSR1',
  runner: Runner | undefined,
  kill: (pid: number, signal: NodeJS.Signals) => unknown = process.kill,
): Promise<void> {
  try {
    kill(pid, signal);
    return;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') return;
    if (code !== 'EPERM' || !runner || runner.prefix.length === 0) throw error;
  }
  const r = await runner.run('kill', ['-s', signal.slice(3), String(pid)], { timeout: 10_000 });
  if (r.exitCode !== 0) {
    throw new ServiceError(`could not send ${signal} to pid ${pid}: ${r.stderr.trim()}`, {
      hint: `the process belongs to another user; stop it with ${runner.prefix.join(' ')} kill ${pid}`,
    });
  }
}

/**
 * A {@link ServiceManager} for hosts without systemd (WSL without `systemd=true`, containers): a
 * detached `sh` keeper per program (see {@link KEEPER_SCRIPT}) keeps it running, restarts it
 * with backoff when it dies, writes pid files and appends output to `<stateDir>/<name>.log`.
 * `enable` only records intent: nothing starts it at boot (the mesh agent, or a login or WSL
 * boot command, calls `start`).
 */
export function supervisedServiceManager(options: SupervisedOptions): ServiceManager {
  const dir = options.stateDir;
  const file = (name: string, ext: string) => {
    if (!/^[A-Za-z0-9_.@-]+$/.test(name))
      throw new ServiceError(`not a valid service name: ${name}`);
    return path.join(dir, `${name}${ext}`);
  };
  const readPid = async (name: string, ext: string) => {
    const text = await readIfExists(file(name, ext));
    return text === undefined ? undefined : Number(text.trim());
  };
  const readSpec = async (
    name: string,
  ): Promise<(ServiceSpec & { enabled?: boolean }) | undefined> => {
    const text = await readIfExists(file(name, '.json'));
    if (text === undefined) return undefined;
    const raw: unknown = JSON.parse(text);
    const parsed = storedSpec.safeParse(raw);
    if (!parsed.success) {
      throw new ServiceError(`${name}: the stored service spec ${file(name, '.json')} is damaged`, {
        cause: parsed.error,
        hint: 'install the service again (it rewrites the spec)',
      });
    }
    // The file as written, not zod's copy: callers compare it with a new spec key by key, in order.
    return raw as ServiceSpec & { enabled?: boolean };
  };

  async function setEnabled(name: string, enabled: boolean): Promise<void> {
    const spec = await readSpec(name);
    if (!spec) throw new ServiceError(`${name} is not installed`);
    await writeFileAtomic(
      file(name, '.json'),
      `${JSON.stringify({ ...spec, enabled }, null, 2)}\n`,
      {
        mode: 0o600,
        backup: false,
      },
    );
  }

  async function startUnlocked(name: string): Promise<void> {
    const keeperPid = await readPid(name, '.supervisor.pid');
    if (alive(keeperPid)) {
      // A keeper waiting out a back-off starts the program now.
      if (!alive(await readPid(name, '.pid'))) {
        await signalProcess(keeperPid, 'SIGUSR1', options.runner);
      }
      return;
    }
    const keeper = path.join(dir, 'mesh-keeper.sh');
    await writeFileAtomic(keeper, KEEPER_SCRIPT, { mode: 0o700, backup: false });
    const argv = [...(options.runner?.prefix ?? []), options.shell ?? '/bin/sh', keeper, dir, name];
    const [bin, ...args] = argv as [string, ...string[]];
    const child = execa(bin, args, {
      detached: true,
      stdio: 'ignore',
      cleanup: false,
      reject: false,
    });
    child.unref();
    void child.catch(() => undefined);
    // Wait (bounded) until the keeper has started the program (or given up on it), so
    // status() is right at once: a caller polling `active` must not see the gap between the
    // keeper writing its own pid and starting the program.
    let keeperSeen = false;
    let programSeen = false;
    for (let i = 0; i < 100; i++) {
      const keeperUp = alive(await readPid(name, '.supervisor.pid'));
      keeperSeen ||= keeperUp;
      const programPid = await readPid(name, '.pid');
      programSeen ||= programPid !== undefined;
      if (keeperUp && (alive(programPid) || programSeen)) return;
      if (keeperSeen && !keeperUp) return;
      await sleep(50);
    }
    if (keeperSeen) return;
    throw new ServiceError(`${name}: its keeper did not start`, {
      hint: `see ${file(name, '.log')}`,
    });
  }

  const manager: ServiceManager = {
    kind: 'supervised',
    async install(spec) {
      const previous = await readSpec(spec.name);
      const content = `${JSON.stringify({ ...spec, enabled: previous?.enabled ?? false }, null, 2)}\n`;
      // 0600: the spec may carry environment values.
      const r = await writeFileAtomic(file(spec.name, '.json'), content, {
        mode: 0o600,
        backup: false,
      });
      const run = await writeFileAtomic(file(spec.name, '.run'), renderRunFile(spec, dir), {
        mode: 0o600,
        backup: false,
      });
      return { changed: r.changed || run.changed, path: file(spec.name, '.json') };
    },
    enable: (name) => setEnabled(name, true),
    disable: (name) => setEnabled(name, false),
    async start(name) {
      if (!(await readSpec(name))) throw new ServiceError(`${name} is not installed`);
      // Two starts at once (two setups, the agent and a repair) must not start two keepers.
      const release = await acquireLock(file(name, '.start.lock'));
      try {
        await startUnlocked(name);
      } finally {
        await release();
      }
    },
    async stop(name) {
      const pid = await readPid(name, '.supervisor.pid');
      if (!alive(pid)) return;
      await signalProcess(pid, 'SIGTERM', options.runner);
      for (let i = 0; i < 300 && alive(pid); i++) await sleep(50);
      if (alive(pid)) {
        const childPid = await readPid(name, '.pid');
        await signalProcess(pid, 'SIGKILL', options.runner);
        if (alive(childPid)) await signalProcess(childPid, 'SIGKILL', options.runner);
        await rm(file(name, '.supervisor.pid'), { force: true });
        await rm(file(name, '.pid'), { force: true });
      }
    },
    async restart(name) {
      await manager.stop(name);
      await manager.start(name);
    },
    async uninstall(name) {
      await manager.stop(name);
      for (const ext of ['.json', '.run', '.pid', '.supervisor.pid', '.start.lock']) {
        await rm(file(name, ext), { force: true, recursive: true });
      }
    },
    async status(name): Promise<ServiceStatus> {
      const spec = await readSpec(name);
      const supervisor = await readPid(name, '.supervisor.pid');
      const pid = await readPid(name, '.pid');
      const running = alive(supervisor);
      const childUp = running && alive(pid);
      // A keeper's pid file outlives the keeper only when it did not stop of its own accord
      // (killed, or the machine went down): not "stopped" on purpose.
      const detail = childUp
        ? 'running'
        : running
          ? 'restarting'
          : supervisor === undefined
            ? 'stopped'
            : 'crashed';
      return {
        name,
        installed: spec !== undefined,
        active: childUp,
        enabled: spec?.enabled ?? false,
        detail,
        ...(childUp ? { pid } : {}),
      };
    },
    async logs(name, logOptions = {}) {
      const text = await readFile(file(name, '.log'), 'utf8').catch(() => '');
      return text
        .split('\n')
        .filter((l, i, all) => l !== '' || i < all.length - 1)
        .slice(-(logOptions.lines ?? 100))
        .join('\n');
    },
  };
  return manager;
}
