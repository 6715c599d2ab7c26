import { constants, existsSync, realpathSync } from 'node:fs';
import { access, chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { writeHeadscaleConfig } from '@mesh/headscale';
import type { Runner, RunOptions, RunResult } from '@mesh/platform';
import { createRunner } from '@mesh/platform';
import { tailscaledLaunch } from '@mesh/tailscale';
import type { Dispatcher } from 'undici';
import { z } from 'zod';
import {
  HEADSCALE_PORT,
  type HostPlan,
  type LabPlan,
  labNamespaces,
  planLab,
  topologyCommands,
} from './address-plan.js';
import { type LabProgram, resolveLabBinary } from './binaries.js';
import { LabError } from './errors.js';
import { forwardArgs } from './forward.js';
import { LAB_ROLES, labHostEnv, MESH_CLI, onPath } from './host-env.js';
import { closeDispatchers, socketDispatcher, socketGet } from './http.js';
import { tailscaleUpArgs } from './join-args.js';
import { checkMachineSupport, defaultRootfs, MACHINE_CLI_DIR, SystemdMachine } from './machine.js';
import { newLabId } from './naming.js';
import { type LabProcess, type ProcessExit, spawnInNamespace } from './process.js';
import { sealRootNamespace } from './root-routes.js';
import {
  cleanupStaleLabs,
  type HostState,
  type LabState,
  labRunDir,
  teardownLab,
  writeLabState,
} from './state.js';
import { configureSyncthingXml, newApiKey } from './syncthing-config.js';
import { waitFor } from './wait.js';

/** Options for {@link Lab.up}. */
export interface LabOptions {
  /** Host names; the first (or the one named `server`) runs headscale. @default ['server','wsl','windows'] */
  hosts?: readonly string[];
  /** Start headscale on the server host. Forced on by `tailscale`. @default true */
  headscale?: boolean;
  /** Start tailscaled on every host and join them all with one pre-auth key. @default true */
  tailscale?: boolean;
  /** Start syncthing on every host with the role's GUI/sync ports. @default false */
  syncthing?: boolean;
  /** @default option → MESH_HEADSCALE_BIN → /var/cache/mesh/bin/headscale → PATH */
  headscaleBinary?: string;
  tailscaleBinary?: string;
  tailscaledBinary?: string;
  syncthingBinary?: string;
  /** Leave the lab running when this process exits (CLI `up`). @default false */
  persistent?: boolean;
  /** Where phase timings and problems are printed. @default no output */
  log?: (line: string) => void;
  /** Called when a supervised process dies without being asked to (after it is logged). */
  onUnexpectedExit?: (proc: LabProcess, exit: ProcessExit) => void;
  /** Parent of the lab's temp root. @default os.tmpdir() */
  tmpDir?: string;
  /** The `mesh` bundle the hosts' `mesh` shim runs. @default apps/cli/dist/mesh.js of this checkout */
  meshCli?: string;
  /** Bound on each host's `tailscale up`. @default 60000 (ms) */
  joinTimeout?: number;
  /**
   * `bare`: each host is a network namespace with a temp root (`MESH_ROOT`). `systemd`: each
   * host is a Debian 12 machine booted with systemd in its namespace; `mesh` runs there on the
   * real paths (no `MESH_ROOT`). Systemd hosts start no daemon of the lab's: `headscale`,
   * `tailscale` and `syncthing` must be false. @default 'bare'
   */
  machines?: 'bare' | 'systemd';
  /** Root file system of systemd hosts. @default $MESH_CACHE_DIR/rootfs/current */
  rootfs?: string;
  signal?: AbortSignal;
}

/** One host: a network namespace with its own state root. */
export interface LabHost {
  name: string;
  ns: string;
  /** Address on the lab bridge (10.99.0.x). */
  ip: string;
  /**
   * Bare hosts: the temp directory standing in for this machine's /etc, /var/lib, $HOME
   * (`etc/`, `var/lib/`, `home/`, `run/`, `logs/`). Systemd hosts: the machine's `/`.
   */
  root: string;
  /** Where the lab's own logs of this host go (and a machine's boot log, `boot.log`). */
  logs: string;
  /** The booted machine (systemd hosts only). */
  machine?: SystemdMachine;
  /**
   * Environment every program on this host gets: HOME and XDG dirs, PATH (shims `mesh`,
   * `tailscale`, `headscale` first, then the binaries), and what `mesh` needs to treat the host
   * as its own machine: MESH_ROOT, MESH_HOSTNAME, the role lists, MESH_ROLE, MESH_*_BIN.
   */
  env: Record<string, string>;
  /** Runs one-shot programs inside the namespace with {@link LabHost.env}. */
  runner: Runner;
  /** Starts and supervises a long-lived program inside the namespace; logs to `logs/<name>.log`. */
  spawn(
    name: string,
    file: string,
    args: readonly string[],
    options?: { env?: Record<string, string>; cwd?: string },
  ): LabProcess;
  /**
   * Makes TCP `addr:port` inside the namespace reachable from the root namespace as a unix
   * socket (use it with `new Agent({ connect: { socketPath } })`). Resolves with the path.
   */
  forward(port: number, addr?: string): Promise<string>;
}

export interface LabHeadscale {
  host: string;
  /** `http://10.99.0.1:8080`: what clients inside the lab use. */
  url: string;
  /** Unix socket forwarding headscale's HTTP port (REST API, /health). */
  apiSocket: string;
  /** undici dispatcher for {@link LabHeadscale.apiSocket}. */
  dispatcher: Dispatcher;
  configPath: string;
  stateDir: string;
  binary: string;
  process: LabProcess;
  /** Runs `headscale -c <config> ...args` on the server host. Non-zero exits are results. */
  cli(args: readonly string[], options?: RunOptions): Promise<RunResult>;
  createUser(name: string): Promise<{ id: number; name: string }>;
  /** Creates a pre-auth key and returns it. Keep it out of argv and logs. */
  createPreAuthKey(o: {
    user: number;
    reusable?: boolean;
    ephemeral?: boolean;
    /** e.g. `1h`. @default '1h' */
    expiration?: string;
  }): Promise<string>;
}

export interface LabTailscaled {
  socketPath: string;
  stateDir: string;
  binary: string;
  process: LabProcess;
  /** The node's 100.64.x.y address once joined. */
  tailnetIp: string | undefined;
  /** Runs `tailscale --socket=<socket> ...args` on the host. */
  cli(args: readonly string[], options?: RunOptions): Promise<RunResult>;
}

export interface LabSyncthing {
  home: string;
  apiKey: string;
  /** Unix socket forwarding the GUI/REST port. */
  guiSocket: string;
  dispatcher: Dispatcher;
  guiPort: number;
  syncPort: number;
  process: LabProcess;
}

export interface PhaseTiming {
  phase: string;
  ms: number;
}

const usersCreateSchema = z.object({ id: z.coerce.number(), name: z.string() });
const preAuthKeySchema = z.object({ key: z.string().min(1) });

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
  #options: LabOptions;
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
    const args = ['-n', this.plan.names.bridgeNs, 'link', 'set', h.bridgePort, up ? 'up' : 'down'];
    const r = await createRunner().run('ip', args, { timeout: 10_000 });
    if (r.exitCode !== 0) {
      throw new LabError(`ip ${args.join(' ')} failed: ${r.stderr.trim()}`, {
        hint: 'the lab needs root (CAP_NET_ADMIN)',
      });
    }
  }

  /** Lets this Node process exit while every lab process keeps running (CLI `up`). */
  detach(): void {
    for (const p of this.#processes) p.detach();
    for (const h of this.hosts) h.machine?.detach();
  }

  private hostNames(): string {
    return this.plan.hosts.map((h) => h.name).join(', ');
  }

  #waitOptions(): { signal?: AbortSignal } {
    return this.#options.signal ? { signal: this.#options.signal } : {};
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
    const o = this.#options;
    const wantTailscale = o.tailscale ?? true;
    const wantHeadscale = wantTailscale || (o.headscale ?? true);
    const wantSyncthing = o.syncthing ?? false;
    const programs: LabProgram[] = ['socat'];
    if (wantHeadscale) programs.push('headscale');
    if (wantTailscale) programs.push('tailscale', 'tailscaled');
    if (wantSyncthing) programs.push('syncthing');
    if (o.machines === 'systemd') {
      if (wantHeadscale || wantSyncthing) {
        throw new LabError('systemd hosts start no daemon of the lab', {
          hint: 'pass headscale: false, tailscale: false, syncthing: false and run mesh there',
        });
      }
      programs.push('headscale', 'tailscale', 'tailscaled', 'syncthing');
      await this.#phase('binaries ready', () => this.#checkBinaries(programs));
      await this.#phase('root file system ready', () => checkMachineSupport(this.#rootfs()));
    } else {
      await this.#phase('binaries ready', () => this.#checkBinaries(programs));
    }
    await this.#phase('hosts up', () => this.#createHosts());
    if (wantHeadscale) await this.#phase('headscale healthy', () => this.#startHeadscale());
    if (wantTailscale) await this.#phase('all nodes Running', () => this.#startTailnet());
    if (wantSyncthing) await this.#phase('syncthing up', () => this.#startSyncthing());
  }

  #binary(program: LabProgram): string {
    const o = this.#options;
    const explicit = {
      headscale: o.headscaleBinary,
      tailscale: o.tailscaleBinary,
      tailscaled: o.tailscaledBinary,
      syncthing: o.syncthingBinary,
      socat: undefined,
    }[program];
    return resolveLabBinary(program, explicit);
  }

  async #checkBinaries(programs: LabProgram[]): Promise<void> {
    const which = createRunner();
    for (const p of programs) {
      const bin = this.#binary(p);
      if (bin.includes('/')) {
        await access(bin, constants.X_OK).catch((cause: unknown) => {
          throw new LabError(`${p} binary ${bin} is not executable`, {
            cause,
            hint: 'run `bash scripts/install-tools.sh`',
          });
        });
      } else {
        const r = await which.run('sh', ['-c', 'command -v "$0"', bin], { timeout: 5000 });
        if (r.exitCode !== 0) {
          throw new LabError(`${p} is not installed (not on PATH)`, {
            hint: 'run `bash scripts/install-tools.sh`',
          });
        }
      }
    }
  }

  async #createHosts(): Promise<void> {
    const ip = createRunner();
    await sealRootNamespace(ip);
    for (const args of topologyCommands(this.plan)) {
      const r = await ip.run('ip', args, { timeout: 10_000 });
      if (r.exitCode !== 0) {
        throw new LabError(`ip ${args.join(' ')} failed: ${r.stderr}`, {
          hint: 'the lab needs root (CAP_NET_ADMIN) and the veth and bridge kernel modules',
        });
      }
    }
    if (this.#options.machines === 'systemd') {
      // Boots in parallel: each machine takes a few seconds, mostly waiting on systemd.
      const hosts = await Promise.all(this.plan.hosts.map((h) => this.#makeHost(h)));
      for (const h of hosts) this.#hosts.set(h.name, h);
    } else {
      for (const h of this.plan.hosts) this.#hosts.set(h.name, await this.#makeHost(h));
    }
  }

  #rootfs(): string {
    return this.#options.rootfs ?? defaultRootfs();
  }

  /** Boots a Debian machine for `plan` with mesh's programs visible read-only inside. */
  async #bootMachine(
    plan: HostPlan,
    dir: string,
    logs: string,
    wsl: boolean,
  ): Promise<SystemdMachine> {
    const cli = this.#options.meshCli ?? MESH_CLI;
    const binds = [
      { from: process.execPath, to: '/usr/local/bin/node' },
      { from: dirname(cli), to: MACHINE_CLI_DIR },
      ...(['headscale', 'tailscale', 'tailscaled', 'syncthing'] as const).map((p) => ({
        from: realpathSync(onPath(this.#binary(p))),
        to: `/usr/local/bin/${p}`,
      })),
    ];
    return SystemdMachine.boot({
      name: plan.name,
      ns: plan.ns,
      rootfs: this.#rootfs(),
      dir,
      binds,
      logPath: join(logs, 'boot.log'),
      ...(wsl ? { files: WSL_MARKER_FILES } : {}),
    });
  }

  async #makeHost(plan: HostPlan): Promise<LabHost> {
    if (this.#options.machines === 'systemd') return this.#makeMachineHost(plan);
    const root = join(this.root, 'hosts', plan.name);
    const dirs = ['etc', 'var/lib', 'home', 'run', 'logs', 'bin'];
    for (const d of dirs) await mkdir(join(root, d), { recursive: true, mode: 0o700 });
    const env = labHostEnv({
      name: plan.name,
      root,
      labId: this.id,
      binaries: {
        headscale: onPath(this.#binary('headscale')),
        tailscale: onPath(this.#binary('tailscale')),
        tailscaled: onPath(this.#binary('tailscaled')),
        syncthing: onPath(this.#binary('syncthing')),
      },
    });
    const inner = createRunner(['ip', 'netns', 'exec', plan.ns]);
    const runner: Runner = {
      prefix: inner.prefix,
      run: (file, args, options = {}) =>
        inner.run(file, args, { ...options, env: { ...env, ...options.env } }),
    };
    const host = this.#hostWith(plan, {
      root,
      logs: join(root, 'logs'),
      sockets: join(root, 'run'),
      env,
      runner,
    });
    // Shims so `lab exec HOST -- mesh|tailscale|headscale ...` reach this host's programs where
    // `mesh` puts them; the lab's own daemons rewrite the tailscale shim to their socket.
    await writeShim(host, 'mesh', [process.execPath, this.#options.meshCli ?? MESH_CLI]);
    await writeShim(host, 'tailscale', [
      env['MESH_TAILSCALE_BIN'] ?? 'tailscale',
      `--socket=${join(root, 'var/run/tailscale/tailscaled.sock')}`,
    ]);
    await writeShim(host, 'headscale', [
      env['MESH_HEADSCALE_BIN'] ?? 'headscale',
      '-c',
      join(root, 'etc/headscale/config.yaml'),
    ]);
    return host;
  }

  /**
   * A systemd host: its machine booted, `mesh` on the PATH as `/usr/local/bin/mesh` (Node and
   * the built bundle), the programs mesh needs in `/usr/local/bin`, and the role lists in the
   * environment of every command run there, as a real deployment's `.env` would set them.
   */
  async #makeMachineHost(plan: HostPlan): Promise<LabHost> {
    const dir = join(this.root, 'hosts', plan.name);
    const logs = join(dir, 'logs');
    await mkdir(logs, { recursive: true, mode: 0o700 });
    await mkdir(join(dir, 'run'), { recursive: true, mode: 0o700 });
    const role = LAB_ROLES[plan.name];
    // The wsl host shows what a WSL2 distribution shows, so mesh detects the role itself; the
    // windows host stays a Linux stand-in for the Windows role's ports, with its role forced.
    const wsl = role === 'wsl2';
    const machine = await this.#bootMachine(plan, join(dir, 'machine'), logs, wsl);
    const env: Record<string, string> = {
      MESH_SERVER_HOSTNAMES: 'server',
      MESH_WSL2_HOSTNAMES: 'wsl',
      MESH_WINDOWS_HOSTNAMES: 'windows',
      ...(wsl ? { WSL_DISTRO_NAME: 'Debian' } : role ? { MESH_ROLE: role } : {}),
    };
    await writeFile(
      join(machine.root, 'usr/local/bin/mesh'),
      `#!/bin/sh\nexec /usr/local/bin/node ${MACHINE_CLI_DIR}/${basename(this.#options.meshCli ?? MESH_CLI)} "$@"\n`,
      { mode: 0o755 },
    );
    const host = this.#hostWith(plan, {
      root: machine.root,
      logs,
      sockets: join(dir, 'run'),
      env,
      runner: machine.runner(env),
    });
    host.machine = machine;
    return host;
  }

  /** The parts of a host both kinds share: the namespace, its address, spawn and forward. */
  #hostWith(
    plan: HostPlan,
    o: {
      root: string;
      logs: string;
      sockets: string;
      env: Record<string, string>;
      runner: Runner;
    },
  ): LabHost {
    const { root, env } = o;
    const host: LabHost = {
      name: plan.name,
      ns: plan.ns,
      ip: plan.ip,
      root,
      logs: o.logs,
      env,
      runner: o.runner,
      spawn: (name, file, args, options = {}) => {
        const proc = spawnInNamespace({
          ns: plan.ns,
          host: plan.name,
          name,
          file,
          args,
          env: { ...env, ...options.env },
          logPath: join(o.logs, `${name}.log`),
          ...(options.cwd ? { cwd: options.cwd } : {}),
          onUnexpectedExit: (p, exit) => this.#onUnexpectedExit(p, exit),
        });
        this.#processes.push(proc);
        return proc;
      },
      forward: (port, addr = '127.0.0.1') => {
        const key = `${plan.name}/${addr}:${port}`;
        let pending = this.#forwards.get(key);
        if (!pending) {
          const socketPath = join(
            o.sockets,
            `fwd-${addr.replace(/[^0-9a-zA-Z.]/g, '_')}-${port}.sock`,
          );
          host.spawn(`forward-${port}`, this.#binary('socat'), forwardArgs(socketPath, port, addr));
          pending = waitFor(
            `forward socket ${socketPath}`,
            () => access(socketPath).then(() => socketPath),
            { ...this.#waitOptions(), timeout: 5000 },
          );
          this.#forwards.set(key, pending);
        }
        return pending;
      },
    };
    return host;
  }

  #onUnexpectedExit(p: LabProcess, exit: ProcessExit): void {
    if (this.#stopping) return;
    this.#failed = true;
    this.unexpectedExits.push({ host: p.host, name: p.name, exit, logPath: p.logPath });
    const how = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.exitCode}`;
    const line = `[lab ${this.id}] ${p.host}/${p.name} (pid ${p.pid}) exited unexpectedly (${how}); log: ${p.logPath}`;
    (this.#options.log ?? ((l: string) => process.stderr.write(`${l}\n`)))(line);
    this.#options.onUnexpectedExit?.(p, exit);
  }

  async #startHeadscale(): Promise<void> {
    const server = this.host(this.plan.server.name);
    const stateDir = join(server.root, 'var/lib/headscale');
    const configPath = join(server.root, 'etc/headscale/config.yaml');
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
    await mkdir(join(server.root, 'etc/headscale'), { recursive: true, mode: 0o700 });
    const url = `http://${server.ip}:${HEADSCALE_PORT}`;
    await writeHeadscaleConfig(configPath, {
      serverUrl: url,
      listenAddr: `${server.ip}:${HEADSCALE_PORT}`,
      stateDir,
      derpIpv4: server.ip,
    });
    const binary = this.#binary('headscale');
    const proc = server.spawn('headscale', binary, ['-c', configPath, 'serve']);
    const apiSocket = await server.forward(HEADSCALE_PORT, server.ip);
    await waitFor(
      'headscale /health',
      async () => {
        if (!proc.running) throw new LabError(`headscale exited; see ${proc.logPath}`);
        const r = await socketGet(apiSocket, '/health', { timeout: 2000 });
        return r.status === 200 ? true : undefined;
      },
      { ...this.#waitOptions(), timeout: 30_000 },
    );
    await writeShim(server, 'headscale', [binary, '-c', configPath]);
    const cli = (args: readonly string[], options?: RunOptions) =>
      server.runner.run(binary, ['-c', configPath, ...args], { timeout: 20_000, ...options });
    const json = async (args: readonly string[]) => {
      const r = await cli([...args, '-o', 'json']);
      if (r.exitCode !== 0) {
        // stderr never holds a key: keys only appear in successful stdout.
        throw new LabError(`headscale ${args.slice(0, 2).join(' ')} failed: ${r.stderr.trim()}`);
      }
      return JSON.parse(r.stdout) as unknown;
    };
    this.#headscale = {
      host: server.name,
      url,
      apiSocket,
      dispatcher: socketDispatcher(apiSocket),
      configPath,
      stateDir,
      binary,
      process: proc,
      cli,
      createUser: async (name) => usersCreateSchema.parse(await json(['users', 'create', name])),
      createPreAuthKey: async (k) => {
        const args = ['preauthkeys', 'create', '--user', String(k.user)];
        if (k.reusable) args.push('--reusable');
        if (k.ephemeral) args.push('--ephemeral');
        args.push('--expiration', k.expiration ?? '1h');
        const parsed = preAuthKeySchema.safeParse(await json(args));
        if (!parsed.success) throw new LabError('headscale printed no pre-auth key');
        return parsed.data.key;
      },
    };
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
    const stateDir = join(host.root, 'var/lib/tailscale');
    const socketPath = join(host.root, 'run/tailscaled.sock');
    const launch = tailscaledLaunch({
      stateDir,
      socketPath,
      derpOverHttp: true,
      ...(this.#options.tailscaledBinary ? { binary: this.#options.tailscaledBinary } : {}),
    });
    for (const d of launch.dirs) await mkdir(d, { recursive: true, mode: 0o700 });
    const proc = host.spawn('tailscaled', launch.file, launch.args, { env: launch.env });
    const binary = this.#binary('tailscale');
    const t: LabTailscaled = {
      socketPath,
      stateDir,
      binary,
      process: proc,
      tailnetIp: undefined,
      cli: (args, options) =>
        host.runner.run(binary, [`--socket=${socketPath}`, ...args], {
          timeout: 20_000,
          ...options,
          env: { TS_LOGS_DIR: join(stateDir, 'logs'), ...options?.env },
        }),
    };
    await writeShim(host, 'tailscale', [binary, `--socket=${socketPath}`]);
    // `mesh` on this host then talks to the lab's daemon instead of its default socket.
    host.env['MESH_TAILSCALE_SOCKET'] = socketPath;
    await waitFor(
      `tailscaled socket on ${host.name}`,
      async () => {
        if (!proc.running) throw new LabError(`tailscaled exited; see ${proc.logPath}`);
        const r = await t.cli(['status', '--json'], { timeout: 5000 });
        return r.exitCode === 0 ? true : undefined;
      },
      { ...this.#waitOptions(), timeout: 20_000 },
    );
    this.#tailscaled.set(host.name, t);
    return t;
  }

  /**
   * `tailscale up` with the key in a 0600 file (`--auth-key=file:`), never in argv; the file is
   * deleted right after.
   */
  async #join(host: LabHost, t: LabTailscaled, authKey: string): Promise<void> {
    const keyFile = join(host.root, 'etc', `authkey-${process.pid}`);
    await writeFile(keyFile, authKey, { mode: 0o600 });
    await chmod(keyFile, 0o600);
    const timeout = this.#options.joinTimeout ?? 60_000;
    try {
      const r = await t.cli(
        tailscaleUpArgs({
          loginServer: this.headscale.url,
          keyFile,
          hostname: host.name,
          timeoutMs: timeout,
        }),
        {
          timeout: timeout + 10_000,
          ...(this.#options.signal ? { signal: this.#options.signal } : {}),
        },
      );
      if (r.exitCode !== 0) {
        throw new LabError(`tailscale up on ${host.name} failed: ${redactKey(r.stderr, authKey)}`, {
          hint: `see ${t.process.logPath} and ${this.headscale.process.logPath}`,
        });
      }
    } finally {
      await rm(keyFile, { force: true });
    }
    t.tailnetIp = await waitFor(
      `tailnet IPv4 of ${host.name}`,
      async () => {
        const r = await t.cli(['ip', '-4'], { timeout: 5000 });
        const ip = r.stdout.trim().split('\n')[0];
        return r.exitCode === 0 && ip ? ip : undefined;
      },
      this.#waitOptions(),
    );
  }

  async #startTailnet(): Promise<void> {
    const hosts = this.hosts;
    const tailscaleds = await Promise.all(hosts.map((h) => this.#startTailscaled(h)));
    const user = await this.headscale.createUser('lab');
    const key = await this.headscale.createPreAuthKey({ user: user.id, reusable: true });
    await Promise.all(hosts.map((h, i) => this.#join(h, tailscaleds[i] as LabTailscaled, key)));
  }

  async #startSyncthing(): Promise<void> {
    const binary = this.#binary('syncthing');
    await Promise.all(
      this.plan.hosts.map(async (plan) => {
        const host = this.host(plan.name);
        const home = join(host.root, 'home/.config/syncthing');
        const gen = await host.runner.run(
          binary,
          ['generate', `--home=${home}`, '--no-default-folder', '--skip-port-probing'],
          { timeout: 30_000 },
        );
        if (gen.exitCode !== 0) {
          throw new LabError(`syncthing generate on ${plan.name} failed: ${gen.stderr.trim()}`);
        }
        const apiKey = newApiKey();
        const configPath = join(home, 'config.xml');
        const xml = configureSyncthingXml(await readFile(configPath, 'utf8'), {
          guiAddress: `127.0.0.1:${plan.guiPort}`,
          apiKey,
          listenAddress: `tcp://0.0.0.0:${plan.syncPort}`,
          deviceName: plan.name,
        });
        await writeFile(configPath, xml, { mode: 0o600 });
        const proc = host.spawn(
          'syncthing',
          binary,
          ['serve', `--home=${home}`, '--no-browser', '--no-restart', '--no-upgrade'],
          // One process (no monitor child), never restarts or upgrades itself.
          {
            env: { STNOUPGRADE: '1', STNORESTART: '1', STMONITORED: 'yes', STNODEFAULTFOLDER: '1' },
          },
        );
        const guiSocket = await host.forward(plan.guiPort);
        await waitFor(
          `syncthing REST on ${plan.name}`,
          async () => {
            if (!proc.running) throw new LabError(`syncthing exited; see ${proc.logPath}`);
            const r = await socketGet(guiSocket, '/rest/system/ping', {
              headers: { 'X-API-Key': apiKey },
              timeout: 2000,
            });
            return r.status === 200 ? true : undefined;
          },
          { ...this.#waitOptions(), timeout: 30_000 },
        );
        this.#syncthing.set(plan.name, {
          home,
          apiKey,
          guiSocket,
          dispatcher: socketDispatcher(guiSocket),
          guiPort: plan.guiPort,
          syncPort: plan.syncPort,
          process: proc,
        });
      }),
    );
  }

  /** What CLI commands in other processes need to find this lab. Holds no secrets. */
  state(): LabState {
    return {
      id: this.id,
      pid: process.pid,
      persistent: this.#persistent,
      createdAt: this.createdAt,
      root: this.root,
      namespaces: labNamespaces(this.plan),
      hosts: this.plan.hosts.map((p): HostState => {
        const h = this.#hosts.get(p.name);
        const t = this.#tailscaled.get(p.name);
        const s = this.#syncthing.get(p.name);
        return {
          name: p.name,
          ns: p.ns,
          ip: p.ip,
          root: h?.root ?? join(this.root, 'hosts', p.name),
          env: h?.env ?? {},
          guiPort: p.guiPort,
          syncPort: p.syncPort,
          ...(t ? { tailscaleSocket: t.socketPath } : {}),
          ...(t?.tailnetIp ? { tailnetIp: t.tailnetIp } : {}),
          ...(s ? { guiSocket: s.guiSocket, syncthingHome: s.home } : {}),
          ...(h?.machine ? { machine: { keeperPid: h.machine.keeperPid } } : {}),
        };
      }),
      ...(this.#headscale
        ? {
            headscale: {
              url: this.#headscale.url,
              configPath: this.#headscale.configPath,
              apiSocket: this.#headscale.apiSocket,
              host: this.#headscale.host,
            },
          }
        : {}),
      pids: this.#processes.map((p) => ({ host: p.host, name: p.name, pid: p.pid })),
      timings: this.timings,
    };
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
      (this.#options.log ?? ((l: string) => process.stderr.write(`${l}\n`)))(
        `[lab ${this.id}] logs kept in ${join(this.root, 'hosts')}/*/logs`,
      );
    }
  }
}

/**
 * What makes a machine look like a WSL2 distribution to `mesh`: `/run/WSL` and the kernel
 * strings of a WSL2 kernel in `/proc/version` and `/proc/sys/kernel/osrelease` (bound over
 * them at every boot, after systemd-tmpfiles has made `/run/WSL`), and `WSL_DISTRO_NAME` in the
 * environment of what runs there. `uname -r` stays the real one: a system call cannot be faked.
 * Interop with Windows stays absent, as it is with interop turned off.
 */
const WSL_KERNEL_RELEASE = '5.15.167.4-microsoft-standard-WSL2';
const WSL_MARKER_FILES: Readonly<Record<string, string>> = {
  '/etc/tmpfiles.d/mesh-lab-wsl.conf': 'd /run/WSL 0755 root root -\n',
  '/etc/mesh-lab/osrelease': `${WSL_KERNEL_RELEASE}\n`,
  '/etc/mesh-lab/version': `Linux version ${WSL_KERNEL_RELEASE} (root@lab) (gcc (GCC) 11.2.0, GNU ld (GNU Binutils) 2.37) #1 SMP Tue Nov 5 00:21:55 UTC 2024\n`,
  '/etc/systemd/system/systemd-tmpfiles-setup.service.d/mesh-lab-wsl-kernel.conf': [
    '[Service]',
    'ExecStartPost=/bin/mount --bind /etc/mesh-lab/version /proc/version',
    'ExecStartPost=/bin/mount --bind /etc/mesh-lab/osrelease /proc/sys/kernel/osrelease',
    '',
  ].join('\n'),
};

/**
 * `<root>/bin/<name>`: runs `argv` plus the caller's arguments, so `tailscale status` inside
 * `lab exec` talks to this host's daemon. Later flags win, so an explicit `--socket` still works.
 */
async function writeShim(host: LabHost, name: string, argv: readonly string[]): Promise<void> {
  const quoted = argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  await writeFile(join(host.root, 'bin', name), `#!/bin/sh\nexec ${quoted} "$@"\n`, {
    mode: 0o700,
  });
}

function redactKey(text: string, key: string): string {
  return key ? text.split(key).join('[REDACTED]') : text;
}
