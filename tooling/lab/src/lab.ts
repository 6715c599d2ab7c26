import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LabPlan, planLab } from './address-plan.js';
import { makeBareHost } from './bare-host.js';
import { checkLabBinaries } from './binaries.js';
import { LabError } from './errors.js';
import { closeDispatchers } from './http.js';
import type { LabContext } from './lab-context.js';
import { type LabHeadscale, launchHeadscale } from './lab-headscale.js';
import type { LabHost } from './lab-host.js';
import { createNetwork, setBridgePort } from './lab-network.js';
import { type LabOptions, labBinary, planStart, problemLog } from './lab-options.js';
import { labStateOf } from './lab-state.js';
import { type LabSyncthing, launchSyncthing } from './lab-syncthing.js';
import { type LabTailscaled, launchTailscaled, tailscaleUp } from './lab-tailscale.js';
import { checkMachineSupport } from './machine.js';
import { labRootfs, makeMachineHost } from './machine-host.js';
import { newLabId } from './naming.js';
import { defaultPackagesDir, type PackageSource, startPackageSource } from './package-source.js';
import type { LabProcess, ProcessExit } from './process.js';
import { cleanupStaleLabs, type LabState, labRunDir, teardownLab, writeLabState } from './state.js';

export interface PhaseTiming {
  phase: string;
  ms: number;
}

/**
 * A throwaway network of hosts (network namespaces on one bridge, no route out) running real
 * headscale, tailscaled and syncthing. `await Lab.up()`, use it, `await lab.down()`.
 */
export class Lab {
  readonly id: string;
  readonly plan: LabPlan;
  /** Temp directory holding every host's root. */
  readonly root: string;
  readonly timings: PhaseTiming[] = [];
  readonly createdAt = new Date().toISOString();
  /** Supervised processes that died unexpectedly. */
  readonly unexpectedExits: { host: string; name: string; exit: ProcessExit; logPath: string }[] =
    [];
  #hosts = new Map<string, LabHost>();
  #processes: LabProcess[] = [];
  #forwards = new Map<string, Promise<string>>();
  #headscale: LabHeadscale | undefined;
  #tailscaled = new Map<string, LabTailscaled>();
  #syncthing = new Map<string, LabSyncthing>();
  #packageSource: PackageSource | undefined;
  #options: LabOptions;
  #context: LabContext;
  #down = false;
  #stopping = false;
  #failed = false;
  /** Becomes `options.persistent` only once up() succeeded: a run killed midway is stale. */
  #persistent = false;

  private constructor(id: string, plan: LabPlan, root: string, options: LabOptions) {
    this.id = id;
    this.plan = plan;
    this.root = root;
    this.#options = options;
    this.#context = {
      id,
      root,
      options,
      processes: this.#processes,
      forwards: this.#forwards,
      binary: (program) => labBinary(this.#options, program),
      waitOptions: () => (this.#options.signal ? { signal: this.#options.signal } : {}),
      onUnexpectedExit: (p, exit) => this.#onUnexpectedExit(p, exit),
    };
  }

  /** Builds a lab and starts what `options` asks for. On failure it tears itself down (keeping logs). */
  static async up(options: LabOptions = {}): Promise<Lab> {
    await cleanupStaleLabs().catch(() => undefined);
    const id = newLabId();
    const plan = planLab(id, options.hosts);
    const root = await mkdtemp(join(options.tmpDir ?? tmpdir(), `mesh-lab-${id}-`));
    const lab = new Lab(id, plan, root, options);
    try {
      await lab.#saveState();
      await lab.#start();
      lab.#persistent = options.persistent ?? false;
      await lab.#saveState();
      return lab;
    } catch (err) {
      lab.#failed = true;
      await lab.down().catch(() => undefined);
      // An abort surfaces from whichever wait it hit; report the caller's reason instead.
      throw options.signal?.aborted ? options.signal.reason : err;
    }
  }

  /** Tears down labs a killed run left behind (owner gone, not left running on purpose). */
  static cleanupStale(): Promise<string[]> {
    return cleanupStaleLabs();
  }

  /** True once a process died unexpectedly or startup failed: `down()` then keeps the logs. */
  get failed(): boolean {
    return this.#failed;
  }

  get hosts(): LabHost[] {
    return [...this.#hosts.values()];
  }

  host(name: string): LabHost {
    const h = this.#hosts.get(name);
    if (!h) throw new LabError(`no lab host "${name}"`, { hint: `hosts: ${this.hostNames()}` });
    return h;
  }

  get headscale(): LabHeadscale {
    if (!this.#headscale) throw new LabError('headscale is not running in this lab');
    return this.#headscale;
  }

  tailscaled(host: string): LabTailscaled {
    const t = this.#tailscaled.get(host);
    if (!t) throw new LabError(`tailscaled is not running on "${host}"`);
    return t;
  }

  syncthing(host: string): LabSyncthing {
    const s = this.#syncthing.get(host);
    if (!s) throw new LabError(`syncthing is not running on "${host}"`);
    return s;
  }

  /**
   * Cuts (`up: false`) or heals a host's only link, at the bridge: its programs keep running and
   * its addresses stay, as when a machine's cable is pulled or its Wi-Fi drops.
   */
  async setLink(name: string, up: boolean): Promise<void> {
    const h = this.plan.hosts.find((x) => x.name === name);
    if (!h) throw new LabError(`no lab host "${name}"`, { hint: `hosts: ${this.hostNames()}` });
    await setBridgePort(this.plan, h, up);
  }

  /** Lets this Node process exit while every lab process keeps running (CLI `up`). */
  detach(): void {
    for (const p of this.#processes) p.detach();
    for (const h of this.hosts) h.machine?.detach();
  }

  private hostNames(): string {
    return this.plan.hosts.map((h) => h.name).join(', ');
  }

  async #phase<T>(phase: string, fn: () => Promise<T>): Promise<T> {
    this.#options.signal?.throwIfAborted();
    const t0 = performance.now();
    const result = await fn();
    const ms = Math.round(performance.now() - t0);
    this.timings.push({ phase, ms });
    this.#options.log?.(`[lab ${this.id}] ${phase}: ${ms} ms`);
    await this.#saveState();
    return result;
  }

  async #start(): Promise<void> {
    const start = planStart(this.#options);
    await this.#phase('binaries ready', () =>
      checkLabBinaries(start.programs, this.#context.binary),
    );
    if (this.#options.machines === 'systemd') {
      await this.#phase('root file system ready', () =>
        checkMachineSupport(labRootfs(this.#options)),
      );
    }
    await this.#phase('hosts up', () => this.#createHosts());
    if (start.headscale) await this.#phase('headscale healthy', () => this.#startHeadscale());
    if (start.tailscale) await this.#phase('all nodes Running', () => this.#startTailnet());
    if (start.syncthing) await this.#phase('syncthing up', () => this.#startSyncthing());
    const packages = this.#options.packageSource;
    if (packages) {
      const dir = typeof packages === 'string' ? packages : defaultPackagesDir();
      this.#packageSource = await this.#phase('package source up', () =>
        startPackageSource(this.host(this.plan.server.name), dir, this.#context.waitOptions()),
      );
    }
  }

  /** Release packages served inside the lab (`packageSource` option). */
  get packageSource(): PackageSource {
    if (!this.#packageSource) {
      throw new LabError('this lab serves no packages', {
        hint: 'Lab.up({ packageSource: true })',
      });
    }
    return this.#packageSource;
  }

  async #createHosts(): Promise<void> {
    await createNetwork(this.plan);
    if (this.#options.machines === 'systemd') {
      // Boots in parallel: each machine takes a few seconds, mostly waiting on systemd.
      const hosts = await Promise.all(
        this.plan.hosts.map((h) => makeMachineHost(h, this.#context)),
      );
      for (const h of hosts) this.#hosts.set(h.name, h);
    } else {
      for (const h of this.plan.hosts) {
        this.#hosts.set(h.name, await makeBareHost(h, this.#context));
      }
    }
  }

  #onUnexpectedExit(p: LabProcess, exit: ProcessExit): void {
    if (this.#stopping) return;
    this.#failed = true;
    this.unexpectedExits.push({ host: p.host, name: p.name, exit, logPath: p.logPath });
    const how = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.exitCode}`;
    const line = `[lab ${this.id}] ${p.host}/${p.name} (pid ${p.pid}) exited unexpectedly (${how}); log: ${p.logPath}`;
    problemLog(this.#options)(line);
    this.#options.onUnexpectedExit?.(p, exit);
  }

  async #startHeadscale(): Promise<void> {
    this.#headscale = await launchHeadscale(this.host(this.plan.server.name), this.#context);
  }

  /**
   * Starts tailscaled on a host (TUN mode inside its namespace) without joining it, for tests
   * that join with their own code. `Lab.up({ tailscale: true })` does this for every host.
   */
  startTailscaled(name: string): Promise<LabTailscaled> {
    const existing = this.#tailscaled.get(name);
    return existing ? Promise.resolve(existing) : this.#startTailscaled(this.host(name));
  }

  /** Joins a host's running tailscaled to the lab headscale with `authKey` (via a 0600 file). */
  async joinTailnet(name: string, authKey: string): Promise<void> {
    await this.#join(this.host(name), this.tailscaled(name), authKey);
    await this.#saveState();
  }

  async #startTailscaled(host: LabHost): Promise<LabTailscaled> {
    const t = await launchTailscaled(host, this.#context);
    this.#tailscaled.set(host.name, t);
    return t;
  }

  #join(host: LabHost, t: LabTailscaled, authKey: string): Promise<void> {
    return tailscaleUp(host, t, authKey, this.#context, () => this.headscale);
  }

  async #startTailnet(): Promise<void> {
    const hosts = this.hosts;
    const tailscaleds = await Promise.all(hosts.map((h) => this.#startTailscaled(h)));
    const user = await this.headscale.createUser('lab');
    const key = await this.headscale.createPreAuthKey({ user: user.id, reusable: true });
    await Promise.all(hosts.map((h, i) => this.#join(h, tailscaleds[i] as LabTailscaled, key)));
  }

  async #startSyncthing(): Promise<void> {
    const binary = this.#context.binary('syncthing');
    await Promise.all(
      this.plan.hosts.map(async (plan) => {
        const s = await launchSyncthing(this.host(plan.name), plan, binary, this.#context);
        this.#syncthing.set(plan.name, s);
      }),
    );
  }

  /** What CLI commands in other processes need to find this lab. Holds no secrets. */
  state(): LabState {
    return labStateOf({
      id: this.id,
      pid: process.pid,
      persistent: this.#persistent,
      createdAt: this.createdAt,
      root: this.root,
      plan: this.plan,
      hosts: this.#hosts,
      tailscaled: this.#tailscaled,
      syncthing: this.#syncthing,
      headscale: this.#headscale,
      processes: this.#processes,
      timings: this.timings,
    });
  }

  async #saveState(): Promise<void> {
    await writeLabState(this.state());
  }

  /**
   * Reboots a systemd host (`systemctl reboot` inside) and waits until it is up again, with
   * its state. Returns how long that took, in ms.
   */
  async reboot(name: string): Promise<number> {
    const machine = this.host(name).machine;
    if (!machine)
      throw new LabError(`"${name}" is not a systemd host`, {
        hint: 'Lab.up({ machines: "systemd" })',
      });
    const ms = await machine.reboot();
    await this.#saveState();
    return ms;
  }

  /**
   * Stops every process (TERM, then KILL), deletes the namespaces, links and temp root. After a
   * failure the hosts' `logs/` directories are kept and their path is printed.
   */
  async down(o: { keepLogs?: boolean } = {}): Promise<void> {
    if (this.#down) return;
    this.#down = true;
    this.#stopping = true;
    await Promise.all(this.#processes.map((p) => p.stop(3000)));
    await Promise.all(this.hosts.map((h) => h.machine?.destroy().catch(() => undefined)));
    const keepLogs = o.keepLogs ?? this.#failed;
    await teardownLab(this.id, { keepLogs }, labRunDir());
    await closeDispatchers([...(await Promise.all(this.#forwards.values()).catch(() => []))]);
    if (keepLogs && existsSync(this.root)) {
      problemLog(this.#options)(`[lab ${this.id}] logs kept in ${join(this.root, 'hosts')}/*/logs`);
    }
  }
}
