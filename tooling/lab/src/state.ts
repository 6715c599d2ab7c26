import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRunner } from '@mesh/platform';
import { z } from 'zod';
import { isLabId, LAB_PREFIX } from './naming.js';
import { pidAlive } from './process.js';

/**
 * Marker directory: `<dir>/<id>/state.json` exists for every lab this tool created, written
 * before the first namespace, so cleanup never touches `mesh-*` namespaces it did not make.
 */
export function labRunDir(env: NodeJS.ProcessEnv = process.env): string {
  return env['MESH_LAB_RUN_DIR'] ?? '/run/mesh-lab';
}

const hostStateSchema = z.object({
  name: z.string(),
  ns: z.string(),
  ip: z.string(),
  root: z.string(),
  env: z.record(z.string(), z.string()),
  guiPort: z.number(),
  syncPort: z.number(),
  tailscaleSocket: z.string().optional(),
  tailnetIp: z.string().optional(),
  /** Systemd hosts: the process that keeps the machine (its init is found under it). */
  machine: z.object({ keeperPid: z.number() }).optional(),
  guiSocket: z.string().optional(),
  syncthingHome: z.string().optional(),
});

export const labStateSchema = z.object({
  id: z.string(),
  /** Pid of the Node process that owns the lab. */
  pid: z.number(),
  /** Left running on purpose (CLI `up`): never "stale" while its namespaces exist. */
  persistent: z.boolean(),
  createdAt: z.string(),
  root: z.string(),
  namespaces: z.array(z.string()),
  hosts: z.array(hostStateSchema),
  headscale: z
    .object({ url: z.string(), configPath: z.string(), apiSocket: z.string(), host: z.string() })
    .optional(),
  pids: z.array(z.object({ host: z.string(), name: z.string(), pid: z.number() })),
  timings: z.array(z.object({ phase: z.string(), ms: z.number() })),
});
export type LabState = z.infer<typeof labStateSchema>;
export type HostState = z.infer<typeof hostStateSchema>;

export async function writeLabState(state: LabState, runDir = labRunDir()): Promise<void> {
  const dir = join(runDir, state.id);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `state.json.${process.pid}.tmp`);
  await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, join(dir, 'state.json'));
}

export async function readLabState(
  id: string,
  runDir = labRunDir(),
): Promise<LabState | undefined> {
  try {
    const text = await readFile(join(runDir, id, 'state.json'), 'utf8');
    const parsed = labStateSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Ids of every lab with a marker directory. */
export async function listLabIds(runDir = labRunDir()): Promise<string[]> {
  try {
    return (await readdir(runDir)).filter(isLabId).sort();
  } catch {
    return [];
  }
}

const root = createRunner();

/** Namespaces named `mesh-<id>-*` that exist right now. */
export async function namespacesOf(id: string): Promise<string[]> {
  const r = await root.run('ip', ['netns', 'list'], { timeout: 10_000 });
  return r.stdout
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith(`${LAB_PREFIX}${id}-`));
}

/** Pids of every process whose network namespace is `ns`. */
export async function namespacePids(ns: string): Promise<number[]> {
  const r = await root.run('ip', ['netns', 'pids', ns], { timeout: 10_000 });
  if (r.exitCode !== 0) return [];
  return r.stdout
    .split('\n')
    .map((l) => Number.parseInt(l, 10))
    .filter((n) => Number.isInteger(n) && n > 0);
}

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

export interface TeardownOptions {
  /** Keep `<root>/hosts/<name>/logs` (after a failure) instead of deleting the whole root. */
  keepLogs?: boolean;
  /** Grace between SIGTERM and SIGKILL for processes still inside the namespaces. @default 1000 (ms) */
  graceMs?: number;
}

/**
 * Removes everything lab `id` made: kills every process in its namespaces (TERM, then KILL),
 * deletes the namespaces (which takes the veth pairs and bridge with them), the temp root and
 * the marker. Safe to call twice and on half-built labs.
 */
export async function teardownLab(
  id: string,
  o: TeardownOptions = {},
  runDir = labRunDir(),
): Promise<{ namespaces: string[]; killed: number }> {
  const state = await readLabState(id, runDir);
  const namespaces = await namespacesOf(id);
  let killed = 0;
  const pidsOf = async () => (await Promise.all(namespaces.map(namespacePids))).flat();
  let pids = await pidsOf();
  if (pids.length > 0) {
    for (const p of pids) kill(p, 'SIGTERM');
    const deadline = Date.now() + (o.graceMs ?? 1000);
    while (Date.now() < deadline && pids.some(pidAlive)) await sleep(50);
    pids = pids.filter(pidAlive);
    for (const p of pids) kill(p, 'SIGKILL');
    killed = pids.length;
    const hardDeadline = Date.now() + 5000;
    while (Date.now() < hardDeadline && (await pidsOf()).length > 0) await sleep(50);
  }
  for (const ns of namespaces) {
    await root.run('ip', ['netns', 'del', ns], { timeout: 10_000 });
  }
  if (state) {
    // Machines' root file systems are overlay mounts: unmount before removing the tree.
    for (const m of await mountsUnder(state.root)) {
      await root.run('umount', ['-l', m], { timeout: 10_000 });
    }
    await removeRoot(state, o.keepLogs ?? false);
  }
  await rm(join(runDir, id), { recursive: true, force: true });
  return { namespaces, killed };
}

/** Mount points at or below `dir`, deepest first. */
export async function mountsUnder(dir: string): Promise<string[]> {
  const text = await readFile('/proc/self/mounts', 'utf8').catch(() => '');
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  return text
    .split('\n')
    .map((l) => (l.split(' ')[1] ?? '').replace(/\\040/g, ' '))
    .filter((m) => m === dir || m.startsWith(prefix))
    .sort((a, b) => b.length - a.length);
}

export async function removeRoot(
  state: Pick<LabState, 'root' | 'hosts'>,
  keepLogs: boolean,
): Promise<void> {
  if (!keepLogs) {
    await rm(state.root, { recursive: true, force: true });
    return;
  }
  // Keep only the logs: state dirs hold keys and sockets. The services a host ran write their
  // logs inside its home (e.g. `.local/state/mesh/services/mesh-agent.log`): moved to `logs/`
  // first, under their path with `/` as `_`, or a failed run would leave nothing to read.
  for (const h of state.hosts) {
    const dir = join(state.root, 'hosts', h.name);
    const paths = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
    // (Not a database's journal: Syncthing's index keeps `*.log` files too.)
    const logs = paths.filter(
      (p) => p.endsWith('.log') && !p.startsWith('logs/') && !/\.db\//.test(p),
    );
    for (const path of logs) {
      if (!(await stat(join(dir, path)).catch(() => undefined))?.isFile()) continue;
      await mkdir(join(dir, 'logs'), { recursive: true });
      await rename(join(dir, path), join(dir, 'logs', path.replaceAll('/', '_')));
    }
    for (const entry of await readdir(dir).catch(() => [] as string[])) {
      if (entry !== 'logs') await rm(join(dir, entry), { recursive: true, force: true });
    }
  }
}

/**
 * Tears down labs a killed run left behind: marker present, owner process gone and not left
 * running on purpose. With `all`, tears down every lab this tool made (CLI `down`).
 */
export async function cleanupStaleLabs(
  o: { all?: boolean; runDir?: string } = {},
): Promise<string[]> {
  const runDir = o.runDir ?? labRunDir();
  const cleaned: string[] = [];
  for (const id of await listLabIds(runDir)) {
    const state = await readLabState(id, runDir);
    // A marker without state.json is a lab still being created, unless it is old.
    const stale = state
      ? !state.persistent && !pidAlive(state.pid)
      : Date.now() -
          (await stat(join(runDir, id)).then(
            (s) => s.mtimeMs,
            () => 0,
          )) >
        60_000;
    if (o.all || stale) {
      await teardownLab(id, {}, runDir);
      cleaned.push(id);
    }
  }
  return cleaned;
}
