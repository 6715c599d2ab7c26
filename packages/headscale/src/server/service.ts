/**
 * Starting and stopping `headscale serve`: a minimal service-manager interface with two
 * implementations, a supervised detached process (labs, containers, no systemd) and systemd.
 * (@mesh/platform is growing a general one; this interface is meant to be unified with it.)
 */

import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createRunner, type Runner } from '@mesh/platform';
import { execa } from 'execa';
import { HeadscaleCommandError } from '../errors.js';
import { writeFileAtomic } from './config.js';
import { renderSystemdUnit, type SystemdUnitOptions } from './systemd.js';

/** What a service manager reports. */
export interface ServiceStatus {
  running: boolean;
  pid?: number;
  /** Manager-specific state, e.g. systemd's `ActiveState`. */
  detail?: string;
}

/** Minimal service manager: every mutating step is idempotent and says whether it changed anything. */
export interface ServiceManager {
  readonly name: string;
  /** Prepare (write unit, create dirs). */
  install(): Promise<{ changed: boolean }>;
  start(): Promise<{ changed: boolean }>;
  stop(): Promise<{ changed: boolean }>;
  status(): Promise<ServiceStatus>;
  /** The last `lines` lines of the service's output. */
  logs(lines?: number): Promise<string>;
}

/** Options of {@link SupervisedProcessService}. */
export interface SupervisedProcessOptions {
  binary: string;
  configPath: string;
  /** Directory for the pid and log files. */
  runDir: string;
  /** Prefix (e.g. `ip netns exec NS`) comes from here. @default createRunner() */
  runner?: Runner;
  /** @default 'headscale' */
  name?: string;
  /** Milliseconds to wait for exit after SIGTERM before SIGKILL. @default 10000 */
  stopTimeout?: number;
}

/** Runs `headscale serve` as a detached process with a pid file and a log file. No restarts. */
export class SupervisedProcessService implements ServiceManager {
  readonly name: string;
  readonly pidFile: string;
  readonly logFile: string;
  readonly #o: SupervisedProcessOptions;

  constructor(o: SupervisedProcessOptions) {
    this.#o = o;
    this.name = o.name ?? 'headscale';
    this.pidFile = join(o.runDir, `${this.name}.pid`);
    this.logFile = join(o.runDir, `${this.name}.log`);
  }

  async install() {
    const existed = await stat(this.#o.runDir).then(
      () => true,
      () => false,
    );
    await mkdir(this.#o.runDir, { recursive: true, mode: 0o700 });
    return { changed: !existed };
  }

  async status(): Promise<ServiceStatus> {
    const pid = Number((await readFile(this.pidFile, 'utf8').catch(() => '')).trim());
    if (!Number.isInteger(pid) || pid <= 0) return { running: false };
    // A stale pid may have been reused by another program: check its command line too.
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    const running =
      cmdline.includes(this.#o.configPath) && cmdline.includes('serve') && isAlive(pid);
    return running ? { running, pid } : { running: false, detail: 'stale pid file' };
  }

  async start() {
    if ((await this.status()).running) return { changed: false };
    await this.install();
    const prefix = (this.#o.runner ?? createRunner()).prefix;
    const argv = [...prefix, this.#o.binary, '-c', this.#o.configPath, 'serve'];
    const [file, ...args] = argv as [string, ...string[]];
    // Create the log private before the child appends to it.
    closeSync(openSync(this.logFile, 'a', 0o600));
    const log = { file: this.logFile, append: true } as const;
    const child = execa(file, args, {
      detached: true,
      cleanup: false,
      stdin: 'ignore',
      stdout: log,
      stderr: log,
      env: { HEADSCALE_DISABLE_CHECK_UPDATES: 'true' },
      reject: false,
    });
    child.catch(() => undefined);
    if (child.pid === undefined) {
      throw new HeadscaleCommandError(`could not start ${argv.join(' ')}`, {
        command: argv.join(' '),
        hint: 'check the binary path',
      });
    }
    child.unref();
    await writeFile(this.pidFile, `${child.pid}\n`, { mode: 0o600 });
    return { changed: true };
  }

  async stop() {
    const s = await this.status();
    if (!s.running || s.pid === undefined) {
      await rm(this.pidFile, { force: true });
      return { changed: false };
    }
    process.kill(s.pid, 'SIGTERM');
    const deadline = Date.now() + (this.#o.stopTimeout ?? 10_000);
    while (isAlive(s.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (isAlive(s.pid)) process.kill(s.pid, 'SIGKILL');
    await rm(this.pidFile, { force: true });
    return { changed: true };
  }

  async logs(lines = 50) {
    const text = await readFile(this.logFile, 'utf8').catch(() => '');
    return text
      .split('\n')
      .slice(-lines - 1)
      .join('\n');
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie (exited, not yet reaped) still answers signal 0.
  try {
    const st = procState(pid);
    return st !== 'Z';
  } catch {
    return true;
  }
}

function procState(pid: number): string {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return text.slice(text.lastIndexOf(')') + 2, text.lastIndexOf(')') + 3);
}

/** Options of {@link SystemdService}. */
export interface SystemdServiceOptions {
  /** Unit name without `.service`. @default 'headscale' */
  name?: string;
  /** Where the unit file goes. @default '/etc/systemd/system' */
  unitDir?: string;
  unit: SystemdUnitOptions;
  /** Runs systemctl/journalctl. @default createRunner() */
  runner?: Runner;
}

/** Manages Headscale as a systemd unit (`systemctl`, `journalctl`). */
export class SystemdService implements ServiceManager {
  readonly name: string;
  readonly unitPath: string;
  readonly #o: SystemdServiceOptions;
  readonly #runner: Runner;

  constructor(o: SystemdServiceOptions) {
    this.#o = o;
    this.name = o.name ?? 'headscale';
    this.unitPath = join(o.unitDir ?? '/etc/systemd/system', `${this.name}.service`);
    this.#runner = o.runner ?? createRunner();
  }

  async #ctl(args: string[]) {
    const r = await this.#runner.run('systemctl', args, { timeout: 60_000 });
    if (r.exitCode !== 0) {
      throw new HeadscaleCommandError(
        `systemctl ${args.join(' ')} failed: ${r.stderr.trim() || `exit ${r.exitCode}`}`,
        {
          command: r.command,
          exitCode: r.exitCode,
          stderr: r.stderr,
          hint: `see journalctl -u ${this.name}`,
        },
      );
    }
    return r.stdout;
  }

  async install() {
    const { changed } = await writeFileAtomic(
      this.unitPath,
      renderSystemdUnit(this.#o.unit),
      0o644,
    );
    if (changed) await this.#ctl(['daemon-reload']);
    const enabled = await this.#runner.run('systemctl', ['is-enabled', this.name], {
      timeout: 30_000,
    });
    if (enabled.stdout.trim() !== 'enabled') {
      await this.#ctl(['enable', this.name]);
      return { changed: true };
    }
    return { changed };
  }

  async status(): Promise<ServiceStatus> {
    const out = await this.#ctl(['show', this.name, '-p', 'ActiveState', '-p', 'MainPID']);
    const props = Object.fromEntries(
      out.split('\n').map((l) => l.split('=', 2) as [string, string]),
    );
    const pid = Number(props['MainPID'] ?? 0);
    const state = props['ActiveState'] ?? 'unknown';
    return { running: state === 'active', ...(pid > 0 ? { pid } : {}), detail: state };
  }

  async start() {
    if ((await this.status()).running) return { changed: false };
    await this.#ctl(['start', this.name]);
    return { changed: true };
  }

  async stop() {
    if (!(await this.status()).running) return { changed: false };
    await this.#ctl(['stop', this.name]);
    return { changed: true };
  }

  async logs(lines = 50) {
    const r = await this.#runner.run(
      'journalctl',
      ['-u', this.name, '-n', String(lines), '--no-pager', '-o', 'cat'],
      { timeout: 30_000 },
    );
    return r.stdout;
  }
}
