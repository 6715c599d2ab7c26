import { closeSync, existsSync, openSync } from 'node:fs';
import { appendFile, mkdir, readdir, readFile, readlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Runner, RunOptions, RunResult } from '@mesh/platform';
import { createRunner } from '@mesh/platform';
import { execa } from 'execa';
import { LabError } from './errors.js';
import { pidAlive } from './process.js';

/** The PATH and locale every command in a machine starts with (nothing of the caller's). */
export const MACHINE_BASE_ENV: Readonly<Record<string, string>> = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  LANG: 'C.UTF-8',
  HOME: '/root',
};

/** Where the built `mesh` bundle's directory appears inside a machine (read-only). */
export const MACHINE_CLI_DIR = '/opt/mesh-cli';

/** The root file system `scripts/install-tools.sh` builds and caches. */
export function defaultRootfs(env: NodeJS.ProcessEnv = process.env): string {
  return join(env['MESH_CACHE_DIR'] || '/var/cache/mesh', 'rootfs', 'current');
}

/** One clear line when this machine cannot boot lab machines. */
export async function checkMachineSupport(
  rootfs: string,
  runner: Runner = createRunner(),
): Promise<void> {
  const r = await runner.run('sh', ['-c', 'command -v systemd-nspawn'], { timeout: 5000 });
  if (r.exitCode !== 0) {
    throw new LabError('systemd-nspawn is not installed: systemd hosts cannot boot', {
      hint: 'run bash scripts/install-tools.sh (it installs systemd-container)',
    });
  }
  if (!existsSync(join(rootfs, 'usr/lib/systemd/systemd'))) {
    throw new LabError(`no root file system for systemd hosts at ${rootfs}`, {
      hint: 'run bash scripts/install-tools.sh (it builds one with debootstrap, once)',
    });
  }
}

/** nspawn's exit status when the machine asked for a reboot (`systemctl reboot`). */
const REBOOT_EXIT = 133;

export interface MachineOptions {
  /** Host name inside the machine (`hostname`), also nspawn's machine name. */
  name: string;
  /** Network namespace the machine lives in (`/run/netns/<ns>`). */
  ns: string;
  /** Read-only root file system (the cached debootstrap). */
  rootfs: string;
  /** Directory for this machine: `upper/` and `work/` of its overlay, `root/` mounted. */
  dir: string;
  /** Host paths made visible inside, read-only. */
  binds?: ReadonlyArray<{ from: string; to: string }>;
  /** Where nspawn's and the machine's console output goes (the boot log). */
  logPath: string;
  /** Files written into the machine's root before its first boot (path inside → content). */
  files?: Readonly<Record<string, string>>;
  /** @default 90000 (ms) */
  bootTimeout?: number;
}

/**
 * A Debian machine booted with systemd (`systemd-nspawn --boot`) inside a lab namespace, on a
 * copy-on-write layer over the cached root file system: its changes survive a reboot and go
 * with {@link SystemdMachine.destroy}. Commands run through `nsenter` into all its namespaces.
 */
export class SystemdMachine {
  readonly name: string;
  readonly root: string;
  #o: MachineOptions;
  #loop:
    | (Promise<unknown> & {
        readonly pid?: number;
        readonly exitCode: number | null;
        unref(): void;
      })
    | undefined;
  #init = 0;

  private constructor(o: MachineOptions) {
    this.#o = o;
    this.name = o.name;
    this.root = join(o.dir, 'root');
  }

  /** Mounts the overlay and boots; resolves once `systemctl is-system-running` settles. */
  static async boot(o: MachineOptions): Promise<SystemdMachine> {
    const m = new SystemdMachine(o);
    for (const d of ['upper', 'work', 'root']) await mkdir(join(o.dir, d), { recursive: true });
    const mount = await createRunner().run(
      'mount',
      [
        '-t',
        'overlay',
        'overlay',
        '-o',
        `lowerdir=${o.rootfs},upperdir=${join(o.dir, 'upper')},workdir=${join(o.dir, 'work')}`,
        m.root,
      ],
      { timeout: 10_000 },
    );
    if (mount.exitCode !== 0) {
      throw new LabError(`cannot mount the root of machine ${o.name}: ${mount.stderr.trim()}`, {
        hint: 'the systemd lab needs root and overlayfs',
      });
    }
    // systemd takes the host name from /etc/hostname at boot, over nspawn's --hostname.
    const files = { '/etc/hostname': `${o.name}\n`, ...o.files };
    for (const [inside, content] of Object.entries(files)) {
      await mkdir(join(m.root, dirname(inside)), { recursive: true });
      await writeFile(join(m.root, inside), content);
    }
    m.#spawn();
    await m.#waitBooted(0);
    return m;
  }

  /**
   * Pid of the process that keeps the machine: a shell that runs systemd-nspawn again when it
   * ends with 133 (`systemctl reboot` inside), as systemd-nspawn@.service does, so a reboot
   * works even when the process that booted the lab is gone. Stable across reboots.
   */
  get keeperPid(): number {
    return this.#loop?.pid ?? 0;
  }

  /** Lets this Node process exit while the machine keeps running (CLI `up`). */
  detach(): void {
    this.#loop?.unref();
  }

  /** Pid of the machine's init (systemd) as the root namespace sees it. */
  get pid(): number {
    return this.#init;
  }

  #spawn(): void {
    const o = this.#o;
    const fd = openSync(o.logPath, 'a', 0o600) as 3;
    const nspawn = [
      '--quiet',
      '--register=no',
      '--keep-unit',
      `--directory=${this.root}`,
      `--machine=${o.name}`,
      `--hostname=${o.name}`,
      `--network-namespace-path=/run/netns/${o.ns}`,
      '--bind=/dev/net/tun',
      // The machine owns its namespace: its services configure it (tailscaled's TUN, routes).
      '--capability=CAP_NET_ADMIN',
      '--console=pipe',
      ...(o.binds ?? []).map((b) => `--bind-ro=${b.from}:${b.to}`),
      '--boot',
    ];
    try {
      this.#loop = execa(
        'sh',
        [
          '-c',
          `while :; do systemd-nspawn "$@"; rc=$?; [ "$rc" = ${REBOOT_EXIT} ] || exit "$rc"; done`,
          'sh',
          ...nspawn,
        ],
        { detached: true, cleanup: false, reject: false, stdin: 'ignore', stdout: fd, stderr: fd },
      );
    } finally {
      closeSync(fd);
    }
  }

  async #waitBooted(previous: number): Promise<void> {
    this.#init = await waitForMachine(this.keeperPid, previous, {
      name: this.name,
      logPath: this.#o.logPath,
      timeout: this.#o.bootTimeout ?? 90_000,
    });
  }

  /**
   * Runs `file args` inside the machine as root (or `user`), with a clean environment:
   * {@link MACHINE_BASE_ENV} plus `options.env`.
   */
  run(
    file: string,
    args: readonly string[],
    options: RunOptions & { user?: string } = {},
  ): Promise<RunResult> {
    const { env, user, ...rest } = options;
    return createRunner(machinePrefix(this.#init)).run(
      'env',
      machineCommand(file, args, { ...(env ? { env } : {}), ...(user ? { user } : {}) }),
      rest,
    );
  }

  /** A {@link Runner} into the machine, with `base` added to every command's environment. */
  runner(base: Record<string, string> = {}): Runner {
    const m = this;
    return {
      get prefix() {
        return machinePrefix(m.#init);
      },
      run: (file, args, options = {}) =>
        m.run(file, args, { ...options, env: { ...base, ...options.env } }),
    };
  }

  /** `systemctl reboot` inside, then waits until it is up again. Returns the time it took. */
  async reboot(): Promise<number> {
    const r = await rebootMachine(this.keeperPid, { name: this.name, logPath: this.#o.logPath });
    this.#init = r.init;
    return r.ms;
  }

  /** Powers off (SIGTERM to nspawn asks systemd to halt), SIGKILL after `graceMs`; unmounts. */
  async destroy(graceMs = 20_000): Promise<void> {
    const loop = this.#loop;
    if (loop?.pid && loop.exitCode === null) {
      const nspawn = (await descendants(loop.pid))[0];
      if (nspawn) process.kill(nspawn, 'SIGTERM');
      const timer = setTimeout(() => {
        for (const pid of [this.#init, nspawn, loop.pid]) {
          if (pid && pidAlive(pid)) process.kill(pid, 'SIGKILL');
        }
      }, graceMs);
      await loop.catch(() => undefined);
      clearTimeout(timer);
    }
    await createRunner().run('umount', ['-l', this.root], { timeout: 10_000 });
  }
}

export interface WaitForMachineOptions {
  name: string;
  logPath: string;
  /** @default 90000 (ms) */
  timeout?: number;
}

/**
 * Waits until the machine under `keeperPid` runs an init other than `previous` and its boot
 * settled (`systemctl is-system-running --wait` says running or degraded). Returns that init.
 */
export async function waitForMachine(
  keeperPid: number,
  previous: number,
  o: WaitForMachineOptions,
): Promise<number> {
  const until = Date.now() + (o.timeout ?? 90_000);
  const failed = (why: string) =>
    new LabError(`machine ${o.name} did not ${why}`, { hint: `see its boot log: ${o.logPath}` });
  let init = 0;
  while (!init || init === previous) {
    if (!pidAlive(keeperPid) || Date.now() > until) throw failed('start');
    init = await machineInitPid(keeperPid);
    if (!init || init === previous) await sleep(50);
  }
  const systemctl = (args: string[], timeout = Math.max(1000, until - Date.now())) =>
    createRunner(machinePrefix(init)).run('env', machineCommand('systemctl', args), { timeout });
  const ask = () => systemctl(['is-system-running', '--wait']);
  // systemd answers only once its bus is up (before that systemctl cannot connect, or says
  // "offline" while /run/systemd/system is not there yet).
  let r = await ask();
  while (
    (/connect to bus/i.test(r.stderr) || r.stdout.trim() === 'offline') &&
    Date.now() < until
  ) {
    await sleep(100);
    r = await ask();
  }
  const state = r.stdout.trim();
  if (state !== 'running' && state !== 'degraded') {
    throw failed(`boot (state "${state || r.stderr.trim()}")`);
  }
  if (state === 'degraded') {
    // It runs, but a unit failed: which one goes to the boot log, for whoever reads it after.
    const units = await systemctl(['--failed', '--no-legend', '--plain'], 10_000).catch(
      () => undefined,
    );
    await appendFile(o.logPath, `[lab] booted degraded; failed units:\n${units?.stdout ?? '?'}\n`);
  }
  return init;
}

/** `systemctl reboot` in the machine under `keeperPid`; resolves once it is up again. */
export async function rebootMachine(
  keeperPid: number,
  o: WaitForMachineOptions,
): Promise<{ init: number; ms: number }> {
  const t0 = performance.now();
  const previous = await machineInitPid(keeperPid);
  await createRunner(machinePrefix(previous))
    .run('env', machineCommand('systemctl', ['reboot']), { timeout: 30_000 })
    .catch(() => undefined);
  const init = await waitForMachine(keeperPid, previous, o);
  return { init, ms: Math.round(performance.now() - t0) };
}

/** The argv prefix that enters every namespace of the machine whose init is `pid`. */
export function machinePrefix(pid: number): string[] {
  return ['nsenter', '-t', String(pid), '-a', '--'];
}

/** `env` arguments that run `file args` inside a machine with a clean environment (as `user`). */
export function machineCommand(
  file: string,
  args: readonly string[],
  o: { env?: Record<string, string | undefined>; user?: string } = {},
): string[] {
  const pairs = Object.entries({ ...MACHINE_BASE_ENV, ...o.env })
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([k, v]) => `${k}=${v}`);
  const as = o.user ? ['runuser', '-u', o.user, '--'] : [];
  return ['-i', ...pairs, ...as, file, ...args];
}

/** The machine's init under a keeper process (0 while it is not there, e.g. mid-reboot). */
export async function machineInitPid(keeperPid: number): Promise<number> {
  if (!keeperPid) return 0;
  const self = await readlink('/proc/self/ns/pid');
  for (const pid of await descendants(keeperPid)) {
    const comm = (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')).trim();
    const ns = await readlink(`/proc/${pid}/ns/pid`).catch(() => self);
    if (ns !== self && comm === 'systemd') return pid;
  }
  return 0;
}

/** Every descendant of `pid` (children first), from /proc. */
async function descendants(pid: number): Promise<number[]> {
  const parents = new Map<number, number[]>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (!Number.isFinite(ppid)) continue;
    const list = parents.get(ppid) ?? [];
    list.push(Number(entry));
    parents.set(ppid, list);
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of parents.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}
