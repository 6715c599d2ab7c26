import { watch } from 'node:fs';
import { readdir, readFile, readlink, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LabHost } from '@mesh/lab';
import { sharedFolder } from '../test/lab-helpers.js';

/** The median of `values`. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** The value below which `p` percent of `values` fall (nearest rank). */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/**
 * The milliseconds from `t0` until `file` took exactly `text`: the time of its last inode change
 * (Syncthing renames a finished temporary file into place, which sets it), not the moment this
 * process noticed. With 16 hosts on two cores the bench's own wake-up comes up to 0.1 s late,
 * and that is not the mesh's time. The file is looked at when its directory reports a change
 * (inotify) and every 100 ms in case an event is missed: not a poll loop, since a bench that
 * waits on 15 hosts at once must not take the CPU the mesh it times needs. (A watcher library
 * would add its own settling delay.)
 */
export function arrivalMs(file: string, text: string, t0: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (result: number | Error) => {
      if (settled) return;
      settled = true;
      watcher.close();
      clearInterval(safety);
      clearTimeout(deadline);
      if (result instanceof Error) reject(result);
      else resolve(Math.max(0, result - (performance.timeOrigin + t0)));
    };
    // Read, then stat: the inode that held the text (nothing replaces it before it is timed).
    const check = () => {
      void readFile(file, 'utf8')
        .then(async (got) => got === text && finish((await stat(file)).ctimeMs))
        .catch(() => undefined);
    };
    const watcher = watch(path.dirname(file), (_event, name) => {
      if (name === path.basename(file)) check();
    });
    const safety = setInterval(check, 100);
    const deadline = setTimeout(
      () => finish(new Error(`${file} did not arrive in 60 s`)),
      Math.max(0, 60_000 - (performance.now() - t0)),
    );
    check();
  });
}

export interface Spread {
  p50: number;
  p95: number;
  max: number;
  /** Every edit's time, in the order written: a slow one can be found again. */
  samples: number[];
}

/**
 * Writes `n` edits on `from` and times each until `to` holds it: `kind` `new` writes a new
 * file each time, `modified` rewrites one file. `gapMs` apart, as a person's edits are
 * (Syncthing sends a peer at most one index batch per 250 ms: closer edits ride together).
 */
export async function propagation(
  from: LabHost,
  to: LabHost,
  o: { label: string; kind: 'new' | 'modified'; n: number; gapMs: number },
): Promise<Spread> {
  const times: number[] = [];
  for (let i = 0; i < o.n; i++) {
    const name = o.kind === 'new' ? `bench-${o.label}-${i}.txt` : `bench-${o.label}.txt`;
    const text = `${o.label} edit ${i} ${Date.now()}\n`;
    const t0 = performance.now();
    await writeFile(path.join(sharedFolder(from), name), text);
    times.push(await arrivalMs(path.join(sharedFolder(to), name), text, t0));
    await sleep(o.gapMs);
  }
  return {
    p50: percentile(times, 50),
    p95: percentile(times, 95),
    max: Math.max(...times),
    samples: times.map((t) => Math.round(t)),
  };
}

/** Resident memory of one process, in MiB. */
export interface ProcessMemory {
  pid: number;
  what: string;
  rssMiB: number;
}

interface MeshProcess extends ProcessMemory {
  /** User and system time so far, in clock ticks (`/proc/PID/stat`, 100 a second). */
  cpuTicks: number;
}

/** Names a process by what Mesh runs: the daemons, the agent and its keeper. */
export function processKind(cmdline: string): string | undefined {
  const argv = cmdline.split('\0').filter(Boolean);
  // The pinned builds are named by version too (`syncthing-v1.30`).
  const exe = path.basename(argv[0] ?? '').replace(/-v\d+(\.\d+)*$/, '');
  if (exe === 'headscale') return 'headscale';
  if (exe === 'tailscaled') return 'tailscaled';
  if (exe === 'syncthing') return 'syncthing';
  // The agent's own bundle, or `mesh agent run` where there is none.
  const agentBundle = argv.some((a) => a.endsWith('mesh-agent.js'));
  if (agentBundle || (argv.some((a) => /(^|\/)mesh(\.js)?$/.test(a)) && argv.includes('agent'))) {
    return 'mesh agent';
  }
  if (argv.some((a) => a.endsWith('mesh-keeper.sh'))) return `keeper of ${argv.at(-1)}`;
  return undefined;
}

/** Every Mesh-related process in a host's network namespace, with its resident size and CPU time. */
async function hostProcesses(host: LabHost): Promise<MeshProcess[]> {
  const nsInode = (await stat(`/run/netns/${host.ns}`)).ino;
  const found: MeshProcess[] = [];
  for (const entry of await readdir('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const ns = await readlink(`/proc/${pid}/ns/net`);
      if (ns !== `net:[${nsInode}]`) continue;
      const what = processKind(await readFile(`/proc/${pid}/cmdline`, 'utf8'));
      if (!what) continue;
      const rss = /VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1];
      // Fields after the command name, which may hold spaces: utime and stime are the 12th and 13th.
      const times = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
      const cpuTicks = Number(times[11] ?? 0) + Number(times[12] ?? 0);
      found.push({ pid, what, rssMiB: Number(rss ?? 0) / 1024, cpuTicks });
    } catch {
      // the process ended while being read
    }
  }
  return found;
}

/** Every Mesh-related process in a host's network namespace, with its resident size. */
export async function hostMemory(host: LabHost): Promise<ProcessMemory[]> {
  return (await hostProcesses(host)).map(({ pid, what, rssMiB }) => ({ pid, what, rssMiB }));
}

/** CPU time of every Mesh process of some hosts at one moment: ticks by pid, with its kind. */
export interface CpuSnapshot {
  at: number;
  processes: Map<number, { kind: string; ticks: number }>;
}

/** The CPU time so far of every Mesh process of `hosts` (the keepers of all services as one kind). */
export async function cpuSnapshot(hosts: readonly LabHost[]): Promise<CpuSnapshot> {
  const at = performance.now();
  const found = (await Promise.all(hosts.map(hostProcesses))).flat();
  return {
    at,
    processes: new Map(
      found.map((p) => [
        p.pid,
        { kind: p.what.startsWith('keeper of ') ? 'keepers' : p.what, ticks: p.cpuTicks },
      ]),
    ),
  };
}

/** The CPU time each kind of process used between two snapshots, in ms, summed over the hosts. */
export function cpuUsedMs(a: CpuSnapshot, b: CpuSnapshot): Record<string, number> {
  const ms: Record<string, number> = {};
  for (const [pid, p] of b.processes) {
    const was = a.processes.get(pid);
    if (was === undefined) continue;
    // 100 ticks a second.
    ms[p.kind] = (ms[p.kind] ?? 0) + (p.ticks - was.ticks) * 10;
  }
  return ms;
}

/**
 * The CPU the Mesh processes of `hosts` use over `ms` while nothing is asked of the mesh, by
 * kind, in percent of one core, summed over the hosts.
 */
export async function restingCpu(
  hosts: readonly LabHost[],
  ms: number,
): Promise<Record<string, number>> {
  const before = await cpuSnapshot(hosts);
  await sleep(ms);
  const after = await cpuSnapshot(hosts);
  const used = cpuUsedMs(before, after);
  const elapsed = after.at - before.at;
  return Object.fromEntries(
    Object.entries(used).map(([kind, cpuMs]) => [kind, (cpuMs * 100) / elapsed]),
  );
}

/** Busy and total CPU time of the whole machine so far (jiffies, from /proc/stat). */
export async function cpuTimes(): Promise<{ busy: number; total: number }> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0] ?? '';
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line
    .split(/\s+/)
    .slice(1)
    .map(Number) as number[];
  const busy =
    (user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0);
  return { busy, total: busy + (idle ?? 0) + (iowait ?? 0) };
}

/** How busy the machine's CPUs were between two {@link cpuTimes}, 0 to 1. */
export function busyShare(
  a: { busy: number; total: number },
  b: { busy: number; total: number },
): number {
  return (b.busy - a.busy) / Math.max(1, b.total - a.total);
}
