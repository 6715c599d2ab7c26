import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { access, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeLab, type Lab } from '@mesh/lab';
import { MESH_BIN_DIR, SYNCTHING_VERSION } from '@mesh/platform';
import { readSyncthingHome } from '@mesh/syncthing-client';
import { afterAll, describe, it } from 'vitest';
import { mesh, sharedFolder, syncthingHome, syncthingOf } from '../test/lab-helpers.js';
import { clientSetupArgs, labMesh } from '../test/lab-mesh.js';
import {
  arrivalMs,
  busyShare,
  cpuSnapshot,
  cpuTimes,
  cpuUsedMs,
  hostMemory,
  median,
  type ProcessMemory,
  propagation,
  restingCpu,
  type Spread,
} from './bench-mesh.js';

// `pnpm bench:mesh`: the whole mesh, set up by the built CLI in the lab, measured. Prints one
// table with the goals beside the figures and writes the same as JSON (BENCH_JSON). Nothing
// here asserts a time: a slow figure is a finding, not a failure.
const JOINS = Number(process.env['BENCH_JOINS'] ?? 5);
const EDITS = Number(process.env['BENCH_N'] ?? 20);
const BULK_MIB = Number(process.env['BENCH_BULK_MIB'] ?? 200);
const BULK_RUNS = Number(process.env['BENCH_BULK_RUNS'] ?? 3);
const SCALES = (process.env['BENCH_SCALES'] ?? '3,8,16').split(',').map(Number);
// What mesh installs on a Debian or Fedora machine (its pinned Syncthing release, not the
// distribution's older package), when scripts/install-tools.sh has built it.
const PINNED_SYNCTHING = path.join(
  MESH_BIN_DIR,
  `syncthing-v${SYNCTHING_VERSION.split('.').slice(0, 2).join('.')}`,
);
if (!process.env['MESH_SYNCTHING_BIN'] && existsSync(PINNED_SYNCTHING)) {
  process.env['MESH_SYNCTHING_BIN'] = PINNED_SYNCTHING;
}
// The lab's tests shorten the agents' timers (a removed node forgotten after 5 s); the mesh
// measured here runs as shipped. An empty value is an unset one: the default.
const AS_SHIPPED = { env: { MESH_AGENT_FORGET_AFTER: '', MESH_AGENT_RECHECK_AFTER: '' } };
/** How long a mesh just set up is left alone before its CPU at rest is measured, and for how long. */
const SETTLE_MS = 20_000;
const REST_MS = 10_000;
const OUT =
  process.env['BENCH_JSON'] ??
  path.resolve(import.meta.dirname, '../../../bench-results/mesh.json');

interface JoinSample {
  totalMs: number;
  startupMs: number;
  steps: Record<string, number>;
  firstTransferMs: number;
}

interface Results {
  joins: JoinSample[];
  propagation: { new?: Spread; modified?: Spread };
  /** `*Busy`: the share of the machine's CPU time used while each ran (all hosts share it). */
  /** Each figure the median of `runs`. */
  bulk?: {
    mib: number;
    runs: number;
    syncthingMiBs: number;
    /** wsl to windows alone: the server ignores the file (`.stignore`), as one receiver. */
    syncthingPairMiBs: number;
    rawTcpMiBs: number;
    /** Raw TCP to windows and the server at once, as windows saw it. */
    rawTcpBothMiBs: number;
    syncthingBusy: number;
    syncthingPairBusy: number;
    rawTcpBusy: number;
    rawTcpBothBusy: number;
    /** CPU time by kind of Mesh process, all hosts, in the median run of each, ms. */
    syncthingPairCpuMs: Record<string, number>;
    rawTcpCpuMs: Record<string, number>;
  };
  scale: Array<{
    hosts: number;
    everyHostMs: number;
    statusMs: number;
    /** Percent of one core by process kind, all hosts together, with nothing asked of the mesh. */
    restingCpu: Record<string, number>;
    /**
     * CPU time by process kind, all hosts together, that one file cost the mesh (from its write
     * until half a second after the last host had it, less the CPU at rest), median of the files.
     */
    cpuPerFileMs: Record<string, number>;
  }>;
  memory: Record<string, ProcessMemory[]>;
}

const results: Results = { joins: [], propagation: {}, scale: [], memory: {} };

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

async function sha256(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** `mesh client setup` on a fresh host: its steps, then the wait for the mesh's first file. */
async function join(lab: Lab, host: string, keyFile: string): Promise<JoinSample> {
  const ready = path.join(sharedFolder(lab.host(host)), 'ready.txt');
  const t0 = performance.now();
  const r = await mesh(lab, host, clientSetupArgs(keyFile, '--json'), AS_SHIPPED);
  if (r.exitCode !== 0) throw new Error(`client setup on ${host}: ${r.stderr}`);
  const setupMs = performance.now() - t0;
  while (!(await exists(ready))) await sleep(10);
  const totalMs = performance.now() - t0;
  const steps: Record<string, number> = {};
  for (const s of (r.json as { steps: Array<{ id: string; ms: number }> }).steps) {
    steps[s.id] = s.ms;
  }
  const inSteps = Object.values(steps).reduce((a, b) => a + b, 0);
  return { totalMs, startupMs: setupMs - inSteps, steps, firstTransferMs: totalMs - setupMs };
}

/**
 * One bulk transfer: MiB/s, how busy the machine was, and the CPU time of Mesh's processes (the
 * raw TCP programs are not among them: only what carries their bytes is).
 */
interface BulkRun {
  miBs: number;
  busy: number;
  cpuMs: Record<string, number>;
}

/**
 * A `BULK_MIB` file written on wsl until windows has it through Syncthing, first with the server
 * (a member too) receiving it at the same time, then with the server leaving it out; then the
 * same bytes over raw TCP on the same path.
 */
async function bulk(lab: Lab): Promise<NonNullable<Results['bulk']>> {
  const wsl = lab.host('wsl');
  const windows = lab.host('windows');
  const staging = path.join(wsl.root, 'bench-staging');
  await mkdir(staging, { recursive: true });
  const syncthingRun = async (name: string): Promise<BulkRun> => {
    const source = path.join(staging, name);
    // Random throughout: no block repeats, so none is copied locally instead of sent.
    await writeFile(source, randomBytes(BULK_MIB * 2 ** 20));
    const want = await sha256(source);
    // A rename on the same file system: Syncthing sees the whole file at once.
    const processes0 = await cpuSnapshot(lab.hosts);
    const cpu0 = await cpuTimes();
    const t0 = performance.now();
    await rename(source, path.join(sharedFolder(wsl), name));
    const arrived = path.join(sharedFolder(windows), name);
    while (!(await exists(arrived))) await sleep(20);
    const seconds = (performance.now() - t0) / 1000;
    const run = {
      miBs: BULK_MIB / seconds,
      busy: busyShare(cpu0, await cpuTimes()),
      cpuMs: cpuUsedMs(processes0, await cpuSnapshot(lab.hosts)),
    };
    if ((await sha256(arrived)) !== want) throw new Error(`${name} arrived with another sha256`);
    await rm(path.join(sharedFolder(wsl), name));
    return run;
  };
  const syncthing: BulkRun[] = [];
  for (let run = 0; run < BULK_RUNS; run++) {
    syncthing.push(await syncthingRun(`bulk-${BULK_MIB}-${run}.bin`));
  }
  // Between the two clients alone, as raw TCP to one receiver: the server ignores these files.
  const pair: BulkRun[] = [];
  const restore = await ignoreOn(lab, 'server', '/pair-bulk-*');
  try {
    for (let run = 0; run < BULK_RUNS; run++) {
      pair.push(await syncthingRun(`pair-bulk-${BULK_MIB}-${run}.bin`));
    }
  } finally {
    await restore();
  }

  // The same path without Syncthing: each receiver times from its first byte to the end. Once
  // to windows alone (the tailnet path), once to windows and the server at once: the bytes
  // Syncthing moves, since the server, a member too, receives the file at the same time.
  const one: BulkRun[] = [];
  const both: BulkRun[] = [];
  for (let run = 0; run < BULK_RUNS; run++) {
    one.push(await rawTcp(lab, wsl, [windows]));
    both.push(await rawTcp(lab, wsl, [windows, lab.host('server')]));
  }
  const mid = (xs: BulkRun[]) => {
    const sorted = [...xs].sort((a, b) => a.miBs - b.miBs);
    return sorted[Math.floor(sorted.length / 2)] as BulkRun;
  };
  return {
    mib: BULK_MIB,
    runs: BULK_RUNS,
    syncthingMiBs: mid(syncthing).miBs,
    syncthingPairMiBs: mid(pair).miBs,
    rawTcpMiBs: mid(one).miBs,
    rawTcpBothMiBs: mid(both).miBs,
    syncthingBusy: mid(syncthing).busy,
    syncthingPairBusy: mid(pair).busy,
    rawTcpBusy: mid(one).busy,
    rawTcpBothBusy: mid(both).busy,
    syncthingPairCpuMs: mid(pair).cpuMs,
    rawTcpCpuMs: mid(one).cpuMs,
  };
}

/**
 * Adds `pattern` to a host's `.stignore` and has its Syncthing load it (a scan); returns what
 * puts the file back as it was.
 */
async function ignoreOn(lab: Lab, hostName: string, pattern: string): Promise<() => Promise<void>> {
  const host = lab.host(hostName);
  const file = path.join(sharedFolder(host), '.stignore');
  const before = await readFile(file, 'utf8');
  const home = await readSyncthingHome(syncthingHome(host));
  const st = await syncthingOf(
    lab,
    hostName,
    Number(new URL(home.baseUrl ?? '').port),
    home.apiKey,
  );
  // Mesh's one shared folder.
  const folder = home.folders[0]?.id;
  const apply = async (text: string) => {
    await writeFile(file, text);
    await st.db.scan(folder === undefined ? {} : { folder });
  };
  await apply(`${before.trimEnd()}\n${pattern}\n`);
  return () => apply(before);
}

/** `BULK_MIB` over raw TCP from `from` to each of `to` at once; MiB/s as the first of `to` saw it. */
async function rawTcp(
  lab: Lab,
  from: ReturnType<Lab['host']>,
  to: ReturnType<Lab['host']>[],
): Promise<BulkRun> {
  const ip = async (h: ReturnType<Lab['host']>) =>
    (await h.runner.run('tailscale', ['ip', '-4'], { timeout: 10_000 })).stdout.trim();
  const addresses = await Promise.all(to.map(ip));
  const receivers = to.map((h, i) =>
    h.runner.run(
      process.execPath,
      [
        '-e',
        `const s=require('node:net').createServer(c=>{let n=0,t;c.on('data',d=>{t??=performance.now();n+=d.length});c.on('end',()=>{console.log(JSON.stringify({n,ms:performance.now()-t}));s.close()})}).listen(45999,${JSON.stringify(addresses[i])})`,
      ],
      { timeout: 120_000 },
    ),
  );
  await sleep(500);
  const processes0 = await cpuSnapshot(lab.hosts);
  const cpu0 = await cpuTimes();
  const sent = await from.runner.run(
    process.execPath,
    [
      '-e',
      `const b=Buffer.alloc(1<<20,7);for(const to of ${JSON.stringify(addresses)}){const c=require('node:net').connect(45999,to,async()=>{for(let i=0;i<${BULK_MIB};i++){if(!c.write(b))await new Promise(r=>c.once('drain',r))}c.end()})}`,
    ],
    { timeout: 120_000 },
  );
  if (sent.exitCode !== 0) throw new Error(`raw TCP sender: ${sent.stderr}`);
  const got = (await Promise.all(receivers)).map(
    (r) => JSON.parse(r.stdout) as { n: number; ms: number },
  );
  const first = got[0] as { n: number; ms: number };
  return {
    miBs: first.n / 2 ** 20 / (first.ms / 1000),
    busy: busyShare(cpu0, await cpuTimes()),
    cpuMs: cpuUsedMs(processes0, await cpuSnapshot(lab.hosts)),
  };
}

/**
 * The CPU the mesh uses at rest; then a file written on the first client, until every host has
 * it; and `mesh status` there.
 */
async function scale(hosts: number): Promise<Results['scale'][number]> {
  const clients = Array.from({ length: hosts - 1 }, (_, i) => `c${i + 1}`);
  const { lab } = await labMesh([], clients, AS_SHIPPED);
  try {
    await sleep(SETTLE_MS);
    const resting = await restingCpu(lab.hosts, REST_MS);
    const everyHost: number[] = [];
    const perFile: Array<Record<string, number>> = [];
    for (let i = 0; i < 5; i++) {
      const text = `scale ${hosts} ${i} ${Date.now()}\n`;
      const name = `scale-${i}.txt`;
      const before = await cpuSnapshot(lab.hosts);
      const t0 = performance.now();
      await writeFile(path.join(sharedFolder(lab.host('c1')), name), text);
      const each = await Promise.all(
        lab.hosts
          .filter((h) => h.name !== 'c1')
          .map((h) => arrivalMs(path.join(sharedFolder(h), name), text, t0)),
      );
      everyHost.push(Math.max(...each));
      // The hosts that have the file tell the others so: that work is the file's too.
      await sleep(500);
      const after = await cpuSnapshot(lab.hosts);
      const elapsed = after.at - before.at;
      perFile.push(
        Object.fromEntries(
          Object.entries(cpuUsedMs(before, after)).map(([kind, ms]) => [
            kind,
            Math.max(0, ms - ((resting[kind] ?? 0) * elapsed) / 100),
          ]),
        ),
      );
    }
    const status: number[] = [];
    for (let i = 0; i < 5; i++) status.push((await mesh(lab, 'c1', ['status', '--json'])).ms);
    return {
      hosts,
      everyHostMs: median(everyHost),
      statusMs: median(status),
      restingCpu: resting,
      cpuPerFileMs: Object.fromEntries(
        [...new Set(perFile.flatMap(Object.keys)), 'all'].map((kind) => [
          kind,
          median(perFile.map((f) => (kind === 'all' ? sum(f) : (f[kind] ?? 0)))),
        ]),
      ),
    };
  } finally {
    await lab.down();
  }
}

const CORES = availableParallelism();

const sum = (values: Record<string, number>) => Object.values(values).reduce((a, b) => a + b, 0);

/** Figures by process kind, largest first, the kinds that used nothing left out. */
function byKind(values: Record<string, number>, digits = 0): string {
  return Object.entries(values)
    .filter(([, v]) => v > 0)
    .sort(([, a], [, b]) => b - a)
    .map(([kind, v]) => `${kind} ${v.toFixed(digits)}`)
    .join(', ');
}
const f = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function report(): string[] {
  const syncthing = process.env['MESH_SYNCTHING_BIN'] ?? 'syncthing on PATH';
  const lines: string[] = ['', `[bench:mesh] the whole mesh in the lab (bare hosts; ${syncthing})`];
  const row = (what: string, value: string, goal = '') =>
    lines.push(`  ${what.padEnd(52)} ${value.padStart(16)}   ${goal}`);
  if (results.joins.length > 0) {
    const j = results.joins;
    const m = (pick: (s: JoinSample) => number) => median(j.map(pick));
    row(
      `client setup start -> first file, median of ${j.length} (3 members)`,
      f(m((s) => s.totalMs)),
      'goal <= 3 s',
    );
    row('  start-up (node, settings, checks)', f(m((s) => s.startupMs)));
    for (const id of Object.keys(j[0]?.steps ?? {})) {
      row(`  step ${id}`, f(m((s) => s.steps[id] ?? 0)));
    }
    row('  setup done -> first file', f(m((s) => s.firstTransferMs)));
  }
  for (const kind of ['new', 'modified'] as const) {
    const p = results.propagation[kind];
    if (p)
      row(
        `edit propagation wsl -> windows, ${kind} files`,
        `p50 ${p.p50.toFixed(0)} ms p95 ${p.p95.toFixed(0)} ms max ${p.max.toFixed(0)} ms`,
      );
  }
  if (results.bulk) {
    const b = results.bulk;
    const busy = (share: number) => `CPU ${(share * 100).toFixed(0)}% busy`;
    row(
      `bulk ${b.mib} MiB wsl -> windows, Syncthing, median of ${b.runs}`,
      `${b.syncthingMiBs.toFixed(1)} MiB/s`,
      busy(b.syncthingBusy),
    );
    row(
      `bulk ${b.mib} MiB wsl -> windows alone (server ignores it)`,
      `${b.syncthingPairMiBs.toFixed(1)} MiB/s`,
      busy(b.syncthingPairBusy),
    );
    row(
      'bulk, raw TCP on the same tailnet path',
      `${b.rawTcpMiBs.toFixed(1)} MiB/s`,
      busy(b.rawTcpBusy),
    );
    row(
      'bulk, raw TCP to windows and the server at once',
      `${b.rawTcpBothMiBs.toFixed(1)} MiB/s`,
      busy(b.rawTcpBothBusy),
    );
    row(
      'bulk, Syncthing between two clients / raw TCP',
      `${(b.syncthingPairMiBs / b.rawTcpMiBs).toFixed(2)}x`,
      'goal >= 0.5x',
    );
    row(
      'bulk CPU, Syncthing between two clients, all hosts',
      `${sum(b.syncthingPairCpuMs).toFixed(0)} ms`,
      byKind(b.syncthingPairCpuMs),
    );
    row(
      'bulk CPU, raw TCP (what carries it), all hosts',
      `${sum(b.rawTcpCpuMs).toFixed(0)} ms`,
      byKind(b.rawTcpCpuMs),
    );
    // A machine kept busy moves bytes at the rate its CPU allows: this is the ratio it allows.
    row(
      'bulk, CPU of raw TCP / CPU of Syncthing',
      `${(sum(b.rawTcpCpuMs) / Math.max(1, sum(b.syncthingPairCpuMs))).toFixed(2)}x`,
    );
    row(
      'bulk, Syncthing to both members / raw TCP',
      `${(b.syncthingMiBs / b.rawTcpMiBs).toFixed(2)}x`,
    );
    row(
      'bulk, Syncthing to both members / raw TCP to both',
      `${(b.syncthingMiBs / b.rawTcpBothMiBs).toFixed(2)}x`,
    );
  }
  const base = results.scale.find((s) => s.hosts === Math.min(...SCALES));
  for (const s of results.scale) {
    const ratio = base ? ` (${(s.everyHostMs / base.everyHostMs).toFixed(2)}x)` : '';
    row(
      `${s.hosts} hosts: a file on every host`,
      `${f(s.everyHostMs)}${ratio}`,
      s.hosts === 16 ? 'goal <= 1.2x of 3 hosts' : '',
    );
    row(`${s.hosts} hosts: mesh status`, `${s.statusMs.toFixed(0)} ms`);
    const { all = 0, ...kinds } = s.cpuPerFileMs;
    row(
      `${s.hosts} hosts: CPU one file costs, all hosts`,
      `${all.toFixed(0)} ms`,
      `${(all / CORES).toFixed(0)} ms on ${CORES} cores at best; ${byKind(kinds)}`,
    );
    row(`${s.hosts} hosts: CPU at rest, % of one core, all hosts`, byKind(s.restingCpu, 1));
  }
  for (const [host, procs] of Object.entries(results.memory)) {
    for (const p of procs) row(`memory at rest ${host}: ${p.what}`, `${p.rssMiB.toFixed(1)} MiB`);
  }
  return lines;
}

describeLab('bench:mesh', () => {
  afterAll(async () => {
    for (const line of report()) console.log(line);
    await mkdir(path.dirname(OUT), { recursive: true });
    await writeFile(
      OUT,
      `${JSON.stringify({ at: new Date().toISOString(), ...results }, null, 2)}\n`,
    );
    console.log(`  (JSON: ${OUT})`);
  });

  describe('three hosts and late joiners', () => {
    let lab: Lab;
    let keyFile: string;
    const joiners = Array.from({ length: JOINS }, (_, i) => `j${i + 1}`);

    afterAll(() => lab?.down(), 60_000);

    it('memory at rest, propagation, bulk, then joins', async () => {
      // The three members first, before any joiner is a member that also receives every file.
      ({ lab, keyFile } = await labMesh(joiners, undefined, AS_SHIPPED));
      for (const h of ['server', 'wsl', 'windows']) {
        results.memory[h] = await hostMemory(lab.host(h));
      }
      const [wsl, windows] = [lab.host('wsl'), lab.host('windows')];
      for (const kind of ['new', 'modified'] as const) {
        results.propagation[kind] = await propagation(wsl, windows, {
          label: kind,
          kind,
          n: EDITS,
          gapMs: 300,
        });
      }
      results.bulk = await bulk(lab);
      for (const j of joiners) {
        results.joins.push(await join(lab, j, keyFile));
        // Each sample joins the same three members, as a new machine joins a mesh: the one
        // before leaves first (a mesh that grew with every sample made each join slower).
        const left = await mesh(lab, j, ['client', 'leave'], AS_SHIPPED);
        if (left.exitCode !== 0) throw new Error(`client leave on ${j}: ${left.stderr}`);
      }
    }, 1_800_000);
  });

  it.each(SCALES)(
    'scale: %i hosts',
    async (hosts) => {
      results.scale.push(await scale(hosts));
    },
    1_800_000,
  );
});
