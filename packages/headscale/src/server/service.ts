/**
 * Starting and stopping `headscale serve` through `@mesh/platform`'s general service managers
 * (systemd, systemd --user, supervised process, Windows): this file only describes Headscale as
 * a {@link ServiceSpec} and gives the small idempotent start/stop/status view setup needs.
 */

import { join } from 'node:path';
import {
  type Runner,
  type ServiceManager,
  type ServiceSpec,
  supervisedServiceManager,
  systemdServiceManager,
} from '@mesh/platform';
import { type HeadscaleUnitOptions, headscaleServiceSpec } from './systemd.js';

/** What a {@link HeadscaleService} reports. */
export interface HeadscaleServiceStatus {
  running: boolean;
  pid?: number;
  /** Manager-specific state, e.g. systemd's `active (running)`. */
  detail?: string;
}

/**
 * Headscale's service as setup sees it: every mutating step is idempotent and says whether it
 * changed anything. {@link HeadscaleService} implements it over any platform manager.
 */
export interface HeadscaleServiceControl {
  readonly name: string;
  /** Write the unit/spec and enable it. */
  install(): Promise<{ changed: boolean }>;
  start(): Promise<{ changed: boolean }>;
  stop(): Promise<{ changed: boolean }>;
  status(): Promise<HeadscaleServiceStatus>;
  /** The last `lines` lines of the service's output. */
  logs(lines?: number): Promise<string>;
}

/** Options of {@link HeadscaleService}. */
export interface HeadscaleServiceOptions {
  /** The platform manager, or a function giving it (called once, on first use). */
  manager: ServiceManager | (() => Promise<ServiceManager>);
  /** What to run; see {@link headscaleServiceSpec}. */
  spec: ServiceSpec;
}

/** One service (`spec.name`) on a `@mesh/platform` {@link ServiceManager}, idempotently. */
export class HeadscaleService implements HeadscaleServiceControl {
  readonly name: string;
  readonly spec: ServiceSpec;
  #manager: ServiceManager | (() => Promise<ServiceManager>);

  constructor(o: HeadscaleServiceOptions) {
    this.spec = o.spec;
    this.name = o.spec.name;
    this.#manager = o.manager;
  }

  /** The platform manager underneath. */
  async manager(): Promise<ServiceManager> {
    if (typeof this.#manager === 'function') this.#manager = await this.#manager();
    return this.#manager;
  }

  async install() {
    const m = await this.manager();
    let { changed } = await m.install(this.spec);
    if (!(await m.status(this.name)).enabled) {
      await m.enable(this.name);
      changed = true;
    }
    return { changed };
  }

  async start() {
    const m = await this.manager();
    if ((await m.status(this.name)).active) return { changed: false };
    await m.start(this.name);
    return { changed: true };
  }

  async stop() {
    const m = await this.manager();
    if (!(await m.status(this.name)).active) return { changed: false };
    await m.stop(this.name);
    return { changed: true };
  }

  async status(): Promise<HeadscaleServiceStatus> {
    const s = await (await this.manager()).status(this.name);
    return { running: s.active, ...(s.pid === undefined ? {} : { pid: s.pid }), detail: s.detail };
  }

  async logs(lines = 50) {
    return (await this.manager()).logs(this.name, { lines });
  }
}

/** Options of {@link SupervisedProcessService}. */
export interface SupervisedProcessOptions {
  binary: string;
  configPath: string;
  /** Directory for the spec, pid and log files. */
  runDir: string;
  /** Prefix (e.g. `ip netns exec NS`) comes from here. @default createRunner() */
  runner?: Runner;
  /** @default 'headscale' */
  name?: string;
  /** Restart policy of the supervisor. @default 'no' (a crash stays visible to setup's health wait) */
  restart?: 'always' | 'on-failure' | 'no';
  /** @deprecated ignored: the platform supervisor sends SIGKILL 10 s after SIGTERM. */
  stopTimeout?: number;
}

/**
 * `headscale serve` under `@mesh/platform`'s supervised manager: a detached supervisor that owns
 * the process and appends its output to `<runDir>/<name>.log` itself, so Headscale outlives the
 * program that started it. Pid and log files keep their old names.
 */
export class SupervisedProcessService extends HeadscaleService {
  readonly pidFile: string;
  readonly logFile: string;

  constructor(o: SupervisedProcessOptions) {
    super({
      manager: supervisedServiceManager({
        stateDir: o.runDir,
        ...(o.runner ? { runner: o.runner } : {}),
      }),
      spec: headscaleServiceSpec({
        binary: o.binary,
        configPath: o.configPath,
        stateDir: o.runDir,
        name: o.name ?? 'headscale',
        restart: o.restart ?? 'no',
      }),
    });
    this.pidFile = join(o.runDir, `${this.name}.pid`);
    this.logFile = join(o.runDir, `${this.name}.log`);
  }
}

/** Options of {@link SystemdService}. */
export interface SystemdServiceOptions {
  /** Unit name without `.service`. @default 'headscale' */
  name?: string;
  /** Where the unit file goes. @default '/etc/systemd/system' */
  unitDir?: string;
  unit: HeadscaleUnitOptions;
  /** Runs systemctl/journalctl. @default createRunner() */
  runner?: Runner;
}

/** Headscale as a hardened system unit under `@mesh/platform`'s systemd manager. */
export class SystemdService extends HeadscaleService {
  readonly unitPath: string;

  constructor(o: SystemdServiceOptions) {
    const unitDir = o.unitDir ?? '/etc/systemd/system';
    super({
      manager: systemdServiceManager({ unitDir, ...(o.runner ? { runner: o.runner } : {}) }),
      spec: headscaleServiceSpec({ ...o.unit, name: o.name ?? 'headscale' }),
    });
    this.unitPath = join(unitDir, `${this.name}.service`);
  }
}
