/**
 * Starts real, private Syncthing processes on 127.0.0.1 for integration tests.
 *
 * Each instance gets its own home, GUI port and sync port; every phone-home feature is off
 * (global/local discovery, relays, NAT/STUN, usage and crash reporting, upgrades). The process
 * runs with `STMONITORED=yes` + `STNORESTART=1`, so it is one process that exits with code 3 on
 * `POST /rest/system/restart`; {@link SyncthingInstance.restart} starts it again.
 *
 * Reusable by other packages: import from `packages/syncthing-client/test/syncthing-instance.ts`.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, execaSync } from 'execa';
import { privateSyncthingConfig } from '../src/private-config.js';
import { parseSyncthingVersion, type SyncthingVersion } from '../src/version.js';

/** Where the syncthing binary is looked up: env `MESH_SYNCTHING_BIN`, then `/usr/bin/syncthing`. */
export function syncthingBinary(): string | undefined {
  const fromEnv = process.env['MESH_SYNCTHING_BIN'];
  if (fromEnv) return fromEnv;
  for (const candidate of ['/var/cache/mesh/bin/syncthing', '/usr/bin/syncthing']) {
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Whether integration tests can run; the reason when they cannot. */
export function syncthingAvailable(): { ok: true; binary: string } | { ok: false; reason: string } {
  const binary = syncthingBinary();
  if (!binary) return { ok: false, reason: 'syncthing binary not found (set MESH_SYNCTHING_BIN)' };
  if (!existsSync(binary))
    return { ok: false, reason: `syncthing binary ${binary} does not exist` };
  return { ok: true, binary };
}

/**
 * The version a binary reports (`syncthing v1.29.5 "Gold Grasshopper" (go1.24.2 …) …`), or
 * undefined when it reports none we can parse (a `unknown-dev` build).
 */
export function syncthingBinaryVersion(binary: string): SyncthingVersion | undefined {
  const out = execaSync(binary, ['--version'], {
    env: cleanEnv(),
    extendEnv: false,
    timeout: 10_000,
  }).stdout;
  const word = /^syncthing (\S+)/.exec(out)?.[1];
  return word === undefined ? undefined : parseSyncthingVersion(word);
}

/** A free TCP port on 127.0.0.1 (bound and released; fine for tests on a quiet loopback). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface SyncthingInstanceOptions {
  /** Device name set in the config (all generated devices are otherwise named after the host). */
  name: string;
  /** Parent directory for the home; a new temp dir by default. */
  root?: string;
  /** Binary path. @default syncthingBinary() */
  binary?: string;
}

/** One running private syncthing on loopback. */
export class SyncthingInstance {
  /** The child process, while running. */
  private child: ReturnType<typeof spawnServe> | undefined;
  private exitCode: number | undefined;
  private logTail = '';

  private constructor(
    readonly name: string,
    readonly binary: string,
    readonly root: string,
    readonly home: string,
    readonly apiKey: string,
    readonly guiPort: number,
    readonly syncPort: number,
    readonly deviceId: string,
    private readonly ownsRoot: boolean,
  ) {}

  /** `http://127.0.0.1:<guiPort>` */
  get baseUrl(): string {
    return `http://127.0.0.1:${this.guiPort}`;
  }

  /** `tcp://127.0.0.1:<syncPort>`, the address peers dial. */
  get syncAddress(): string {
    return `tcp://127.0.0.1:${this.syncPort}`;
  }

  /** The last few KiB of the process output, for failure messages. */
  get log(): string {
    return this.logTail;
  }

  /** Generates a home, writes a private config and starts the process; resolves when the API answers. */
  static async start(options: SyncthingInstanceOptions): Promise<SyncthingInstance> {
    const binary = options.binary ?? syncthingBinary();
    if (!binary) throw new Error('syncthing binary not found (set MESH_SYNCTHING_BIN)');
    const ownsRoot = options.root === undefined;
    const root = options.root ?? (await mkdtemp(join(tmpdir(), `mesh-st-${options.name}-`)));
    const home = join(root, 'home');
    await mkdir(home, { recursive: true });
    // 2.x renamed the port flag and creates no default folder (cmd/syncthing/generate).
    const flags =
      (syncthingBinaryVersion(binary)?.major ?? 1) >= 2
        ? ['--no-port-probing']
        : ['--no-default-folder', '--skip-port-probing'];
    const generated = await execa(binary, ['generate', `--home=${home}`, ...flags], {
      env: cleanEnv(),
      extendEnv: false,
      timeout: 30_000,
      all: true,
    });
    // 1.x prints `Device ID: …`, 2.x logs `Calculated device ID device=…`.
    const match = /(?:Device ID:\s*|device=)([A-Z0-9]{7}(?:-[A-Z0-9]{7}){7})/.exec(
      generated.all ?? '',
    );
    if (!match?.[1]) throw new Error(`could not read device ID from generate: ${generated.all}`);
    const apiKey = randomBytes(16).toString('hex');
    const guiPort = await freePort();
    const syncPort = await freePort();
    const configPath = join(home, 'config.xml');
    const xml = await readFile(configPath, 'utf8');
    await writeFile(
      configPath,
      privateConfig(xml, { name: options.name, apiKey, guiPort, syncPort }),
      { mode: 0o600 },
    );
    const instance = new SyncthingInstance(
      options.name,
      binary,
      root,
      home,
      apiKey,
      guiPort,
      syncPort,
      match[1],
      ownsRoot,
    );
    await instance.launch();
    return instance;
  }

  /** Starts the process (again) and waits until `/rest/system/ping` answers. */
  async launch(): Promise<void> {
    if (this.child) return;
    this.exitCode = undefined;
    const child = spawnServe(this.binary, this.home);
    this.child = child;
    child.all?.on('data', (chunk: Buffer) => {
      this.logTail = (this.logTail + chunk.toString()).slice(-8192);
    });
    void child.then((result) => {
      this.exitCode = result.exitCode;
      if (this.child === child) this.child = undefined;
    });
    await this.waitReady();
  }

  /** Waits for the REST API (ping with the key), failing if the process exits first. */
  async waitReady(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.child)
        throw new Error(`syncthing ${this.name} exited (${this.exitCode}):\n${this.log}`);
      try {
        const res = await fetch(`${this.baseUrl}/rest/system/ping`, {
          headers: { 'X-API-Key': this.apiKey },
          signal: AbortSignal.timeout(2_000),
        });
        await res.arrayBuffer();
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await sleep(150);
    }
    throw new Error(`syncthing ${this.name} did not become ready:\n${this.log}`);
  }

  /** Resolves with the exit code once the process has exited (e.g. after a REST restart: 3). */
  async waitExit(timeoutMs = 20_000): Promise<number | undefined> {
    const child = this.child;
    if (!child) return this.exitCode;
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    try {
      const result = await child;
      return result.exitCode;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops the process group (SIGTERM, then SIGKILL). */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    const pid = child.pid;
    if (pid) {
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    const killer = setTimeout(() => {
      try {
        if (pid) process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 5_000);
    await child;
    clearTimeout(killer);
    this.child = undefined;
  }

  /** Stops the process and removes the temp directory it owns. */
  async dispose(): Promise<void> {
    await this.stop();
    if (this.ownsRoot) await rm(this.root, { recursive: true, force: true });
  }
}

/** Starts several instances in parallel; on failure stops whatever started. */
export async function startSyncthingInstances(names: string[]): Promise<SyncthingInstance[]> {
  const results = await Promise.allSettled(names.map((name) => SyncthingInstance.start({ name })));
  const started = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) {
    await Promise.all(started.map((i) => i.dispose()));
    throw failed.reason;
  }
  return started;
}

function spawnServe(binary: string, home: string) {
  return execa(binary, ['serve', `--home=${home}`, '--no-browser'], {
    env: {
      ...cleanEnv(),
      STNORESTART: '1',
      STNOUPGRADE: '1',
      STMONITORED: 'yes',
      STNODEFAULTFOLDER: '1',
    },
    extendEnv: false,
    detached: true, // own process group, so stop() can signal the whole group
    reject: false,
    all: true,
    buffer: false,
    // A hard ceiling so a forgotten instance cannot outlive the test run by much.
    timeout: 15 * 60_000,
    forceKillAfterDelay: 2_000,
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The environment without proxies (Syncthing honours ALL_PROXY) and with HOME kept. */
function cleanEnv(): Record<string, string> {
  const keep: Record<string, string> = { PATH: process.env['PATH'] ?? '/usr/bin:/bin' };
  if (process.env['HOME']) keep['HOME'] = process.env['HOME'];
  return keep;
}

/**
 * Rewrites a freshly generated 1.x config.xml into a private, loopback-only one. Editing before
 * the first `serve` means nothing is ever attempted outward.
 */
export function privateConfig(
  xml: string,
  o: { name: string; apiKey: string; guiPort: number; syncPort: number },
): string {
  return privateSyncthingConfig(xml, {
    deviceName: o.name,
    guiAddress: `127.0.0.1:${o.guiPort}`,
    apiKey: o.apiKey,
    listenAddresses: [`tcp://127.0.0.1:${o.syncPort}`],
    // Peers in a test find each other again within a second after a restart.
    options: { reconnectionIntervalS: 1 },
  });
}
