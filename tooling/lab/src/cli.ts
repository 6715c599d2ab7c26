#!/usr/bin/env node
import { join } from 'node:path';
/**
 * `node tooling/lab/dist/cli.js <command>` (or `pnpm lab <command>`):
 *
 *   up [--hosts a,b,c] [--no-syncthing]   start a lab, print phase times, leave it running
 *   up --bare                              hosts only, no daemons (for `mesh` to set up)
 *   up --systemd                           hosts are booted Debian 12 machines, no daemons
 *   exec HOST [--id ID] [--user U] -- CMD  run CMD in HOST (its machine, or its namespace)
 *   reboot HOST [--id ID]                  reboot a systemd host and wait until it is up
 *   root HOST [--id ID]                    print the directory that is HOST's `/` (or MESH_ROOT)
 *   status [--id ID]                       what is running
 *   demo [--id ID]                         the demo checks against a running lab
 *   down [ID]                              tear down one lab, or every lab this tool made
 */
import { execa } from 'execa';
import { runDemo, syncthingApiKey } from './demo.js';
import { LabError } from './errors.js';
import { socketGet } from './http.js';
import { Lab } from './lab.js';
import { machineCommand, machineInitPid, machinePrefix, rebootMachine } from './machine.js';
import { pidAlive } from './process.js';
import {
  cleanupStaleLabs,
  type LabState,
  listLabIds,
  namespacesOf,
  readLabState,
  teardownLab,
} from './state.js';

const USAGE = `usage: lab <command>
  up [--hosts a,b,c] [--no-syncthing] [--no-tailscale] [--bare | --systemd]
  exec HOST [--id ID] [--user NAME] [--timeout SECONDS] -- CMD [ARGS...]
  reboot HOST [--id ID]
  root HOST [--id ID]
  status [--id ID]
  demo [--id ID]
  down [ID]`;

interface Parsed {
  command: string | undefined;
  positional: string[];
  flags: Map<string, string | true>;
  rest: string[];
}

function parse(argv: string[]): Parsed {
  const dash = argv.indexOf('--');
  const head = dash >= 0 ? argv.slice(0, dash) : argv;
  const rest = dash >= 0 ? argv.slice(dash + 1) : [];
  const flags = new Map<string, string | true>();
  const positional: string[] = [];
  for (let i = 0; i < head.length; i++) {
    const a = head[i] as string;
    if (a.startsWith('--')) {
      const [k, v] = a.slice(2).split('=', 2) as [string, string | undefined];
      const next = head[i + 1];
      if (v !== undefined) flags.set(k, v);
      else if (!k.startsWith('no-') && next !== undefined && !next.startsWith('--')) {
        flags.set(k, next);
        i++;
      } else flags.set(k, true);
    } else positional.push(a);
  }
  return { command: positional.shift(), positional, flags, rest };
}

function flag(p: Parsed, name: string): string | undefined {
  const v = p.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

/** The lab named by `--id`, or the only one running. */
async function pickLab(p: Parsed): Promise<LabState> {
  const id = flag(p, 'id');
  const ids = id ? [id] : await listLabIds();
  if (ids.length === 0)
    throw new LabError('no lab is running', { hint: 'start one with `lab up`' });
  if (ids.length > 1) {
    throw new LabError(`several labs are running: ${ids.join(', ')}`, { hint: 'pass --id ID' });
  }
  const state = await readLabState(ids[0] as string);
  if (!state) throw new LabError(`lab ${ids[0]} has no readable state`);
  return state;
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

async function up(p: Parsed): Promise<number> {
  const hosts = flag(p, 'hosts')?.split(',').filter(Boolean);
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    console.error(`\n${sig}: stopping the lab being built`);
    controller.abort(new LabError(`interrupted by ${sig}`));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const t0 = performance.now();
  // Bare: network and state roots only, so `mesh server setup` / `client setup` start from nothing.
  const systemd = p.flags.has('systemd');
  const bare = p.flags.has('bare') || systemd;
  const lab = await Lab.up({
    ...(systemd ? { machines: 'systemd' as const } : {}),
    ...(hosts ? { hosts } : {}),
    syncthing: !bare && !p.flags.has('no-syncthing'),
    tailscale: !bare && !p.flags.has('no-tailscale'),
    headscale: !bare,
    persistent: true,
    log: (l) => console.log(l),
    signal: controller.signal,
  });
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  const state = lab.state();
  console.log(`\nlab ${lab.id} up in ${Math.round(performance.now() - t0)} ms; root ${lab.root}`);
  console.log(`\n${table([['phase', 'ms'], ...lab.timings.map((t) => [t.phase, String(t.ms)])])}`);
  const rows = [['host', 'namespace', 'lab ip', 'tailnet ip', 'syncthing gui/sync', 'gui socket']];
  for (const h of state.hosts) {
    rows.push([
      h.name,
      h.ns,
      h.ip,
      h.tailnetIp ?? '-',
      h.guiSocket ? `${h.guiPort}/${h.syncPort}` : '-',
      h.guiSocket ?? '-',
    ]);
  }
  console.log(`\n${table(rows)}`);
  if (state.headscale) {
    console.log(`\nheadscale ${state.headscale.url} (socket ${state.headscale.apiSocket})`);
  }
  const next = bare ? 'mesh status' : 'tailscale status';
  console.log(`\nnext: lab exec ${state.hosts[1]?.name ?? 'HOST'} -- ${next}; lab down ${lab.id}`);
  lab.detach();
  return 0;
}

async function exec(p: Parsed): Promise<number> {
  const hostName = p.positional[0];
  if (!hostName || p.rest.length === 0) throw new LabError('usage: lab exec HOST -- CMD [ARGS...]');
  const state = await pickLab(p);
  const host = state.hosts.find((h) => h.name === hostName);
  if (!host) throw new LabError(`no host "${hostName}" in lab ${state.id}`);
  const timeout = Number(flag(p, 'timeout') ?? 600) * 1000;
  const user = flag(p, 'user');
  const [file, ...args] = p.rest as [string, ...string[]];
  const init = host.machine ? await machineInitPid(host.machine.keeperPid) : 0;
  if (host.machine && !init) throw new LabError(`machine ${host.name} is not running`);
  const argv = host.machine
    ? [
        ...machinePrefix(init),
        'env',
        ...machineCommand(file, args, { env: host.env, ...(user ? { user } : {}) }),
      ]
    : ['ip', 'netns', 'exec', host.ns, ...(user ? ['runuser', '-u', user, '--'] : []), ...p.rest];
  const [bin, ...rest] = argv as [string, ...string[]];
  const r = await execa(bin, rest, {
    env: host.machine ? {} : host.env,
    extendEnv: false,
    stdio: 'inherit',
    reject: false,
    timeout,
  });
  if (r.timedOut) console.error(`lab exec: timed out after ${timeout / 1000}s`);
  return r.exitCode ?? 1;
}

async function reboot(p: Parsed): Promise<number> {
  const hostName = p.positional[0];
  if (!hostName) throw new LabError('usage: lab reboot HOST');
  const state = await pickLab(p);
  const host = state.hosts.find((h) => h.name === hostName);
  if (!host?.machine) {
    throw new LabError(`"${hostName}" is not a systemd host of lab ${state.id}`, {
      hint: 'lab up --systemd starts hosts that can reboot',
    });
  }
  const r = await rebootMachine(host.machine.keeperPid, {
    name: host.name,
    logPath: join(state.root, 'hosts', host.name, 'logs', 'boot.log'),
  });
  console.log(`${host.name} rebooted and up again in ${r.ms} ms`);
  return 0;
}

async function root(p: Parsed): Promise<number> {
  const state = await pickLab(p);
  const host = state.hosts.find((h) => h.name === p.positional[0]);
  if (!host)
    throw new LabError(
      `usage: lab root HOST (hosts of lab ${state.id}: ${state.hosts.map((h) => h.name).join(', ')})`,
    );
  console.log(host.root);
  return 0;
}

async function status(p: Parsed): Promise<number> {
  const ids = flag(p, 'id') ? [flag(p, 'id') as string] : await listLabIds();
  if (ids.length === 0) console.log('no lab is running');
  for (const id of ids) {
    const state = await readLabState(id);
    if (!state) {
      console.log(`lab ${id}: no readable state (being created, or broken: lab down ${id})`);
      continue;
    }
    const namespaces = await namespacesOf(id);
    const alive = state.pids.filter((x) => pidAlive(x.pid));
    console.log(
      `lab ${id}: created ${state.createdAt}, ${namespaces.length} namespaces, ` +
        `${alive.length}/${state.pids.length} processes alive, root ${state.root}`,
    );
    const dead = state.pids.filter((x) => !pidAlive(x.pid));
    for (const d of dead) console.log(`  DEAD: ${d.host}/${d.name} (pid ${d.pid})`);
    const rows = [['host', 'lab ip', 'tailnet ip', 'tailscale', 'syncthing']];
    for (const h of state.hosts) {
      let ts = '-';
      if (h.tailscaleSocket) {
        const r = await execa('ip', ['netns', 'exec', h.ns, 'tailscale', 'status', '--json'], {
          env: h.env,
          extendEnv: false,
          reject: false,
          timeout: 10_000,
        });
        ts = /"BackendState":\s*"(\w+)"/.exec(String(r.stdout))?.[1] ?? `error ${r.exitCode}`;
      }
      let st = '-';
      const key = await syncthingApiKey(h);
      if (h.guiSocket && key) {
        st = await socketGet(h.guiSocket, '/rest/system/ping', { headers: { 'X-API-Key': key } })
          .then((r) => (r.status === 200 ? 'up' : `HTTP ${r.status}`))
          .catch(() => 'down');
      }
      rows.push([h.name, h.ip, h.tailnetIp ?? '-', ts, st]);
    }
    console.log(table(rows).replace(/^/gm, '  '));
  }
  return 0;
}

async function demo(p: Parsed): Promise<number> {
  await runDemo(await pickLab(p));
  return 0;
}

async function down(p: Parsed): Promise<number> {
  const id = p.positional[0];
  if (id) {
    const r = await teardownLab(id);
    console.log(`lab ${id}: removed ${r.namespaces.length} namespaces`);
  } else {
    const cleaned = await cleanupStaleLabs({ all: true });
    console.log(cleaned.length ? `removed labs ${cleaned.join(', ')}` : 'no lab to remove');
  }
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const p = parse(argv);
  switch (p.command) {
    case 'up':
      return up(p);
    case 'exec':
      return exec(p);
    case 'reboot':
      return reboot(p);
    case 'root':
      return root(p);
    case 'status':
      return status(p);
    case 'demo':
      return demo(p);
    case 'down':
      return down(p);
    default:
      console.error(USAGE);
      return p.command === undefined || p.command === 'help' ? 0 : 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const e = err as { message?: string; hint?: string };
    console.error(`lab: ${e.message ?? String(err)}`);
    if (e.hint) console.error(`hint: ${e.hint}`);
    process.exitCode = 1;
  },
);
