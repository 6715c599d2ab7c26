import { createHash } from 'node:crypto';
import {
  access,
  chown,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { HEADSCALE_DOWN_FIX, VOUCH_PORT } from '@mesh/core';
import { configureSyncthingXml, describeLab, Lab, type LabProcess } from '@mesh/lab';
import { LocalApiClient } from '@mesh/tailscale';
import { trackFailures } from '@mesh/test-utils';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  checkJson,
  jsonCommandOf,
  mesh,
  sharedFolder,
  syncthingHome,
  syncthingOf,
  until,
} from './lab-helpers.js';

// From nothing to a full mesh with the built CLI: three bare lab hosts (no daemon started by
// the lab), a fourth, `laptop`, that joins late, and `outside`, which runs a Syncthing that is
// never a mesh member. Nobody runs `mesh peer`: the mesh agents pair (README order).
const SERVER_URL = 'http://10.99.0.1:8080';
const CLIENTS = ['wsl', 'windows'] as const;
const MEMBERS = ['server', ...CLIENTS] as const;

let lab: Lab;
const failures = trackFailures();
const timings: Array<[string, number]> = [];
const clientStart = new Map<string, number>();
let keyFile = '';
let outsider: LabProcess | undefined;
let rogue: LabProcess | undefined;
let rogueHome: string | undefined;

function time(phase: string, ms: number): void {
  timings.push([phase, ms]);
}

async function exists(p: string): Promise<boolean> {
  return access(p).then(
    () => true,
    () => false,
  );
}

/**
 * `mesh status` on `host` once it fails (exit 3): within the agent's freshness, a report at most
 * 2 s old, for a change no Syncthing event tells it of.
 */
function statusFailing(host: string) {
  return until(
    `${host} status failing`,
    async () => {
      const r = await mesh(lab, host, ['status', '--json']);
      return r.exitCode === 3 ? r : undefined;
    },
    10_000,
  );
}

describeLab('mesh CLI in the lab', () => {
  beforeAll(async () => {
    const t0 = performance.now();
    lab = await Lab.up({
      hosts: ['server', 'wsl', 'windows', 'outside', 'laptop'],
      headscale: false,
      tailscale: false,
      syncthing: false,
    });
    time('lab up (bare hosts)', Math.round(performance.now() - t0));
  }, 120_000);

  afterAll(async () => {
    await outsider?.stop().catch(() => undefined);
    await rogue?.stop().catch(() => undefined);
    if (rogueHome) await rm(rogueHome, { recursive: true, force: true });
    console.log('\n[mesh lab timings]');
    for (const [phase, ms] of timings)
      console.log(`  ${phase.padEnd(60)} ${String(ms).padStart(7)} ms`);
    await lab?.down({ keepLogs: lab?.failed || failures.any });
  }, 60_000);

  it('mesh server setup from nothing, then again with nothing to change', async () => {
    const first = await mesh(lab, 'server', ['server', 'setup', '--json']);
    time('server setup (first)', first.ms);
    expect(first.stderr + first.stdout, 'server setup').toContain('"ok": true');
    expect(first.exitCode).toBe(0);
    checkJson('serverSetup', first.json);
    expect(first.json).toMatchObject({
      ok: true,
      changed: true,
      serverUrl: SERVER_URL,
      database: 'sqlite',
    });
    // No secret in JSON output.
    expect(first.stdout).not.toMatch(/hskey-|[a-f0-9]{48}/);
    const apiKeyFile = path.join(
      lab.host('server').env['HOME'] as string,
      '.local/state/mesh/headscale-api-key',
    );
    const { stat } = await import('node:fs/promises');
    expect((await stat(apiKeyFile)).mode & 0o777).toBe(0o600);

    const second = await mesh(lab, 'server', ['server', 'setup', '--json']);
    time('server setup (second)', second.ms);
    expect(second.exitCode).toBe(0);
    checkJson('serverSetup', second.json);
    expect(second.json).toMatchObject({ ok: true, changed: false, changes: [] });
    const human = await mesh(lab, 'server', ['server', 'setup']);
    expect(human.exitCode).toBe(0);
    expect(human.stdout).toContain('nothing to change');

    // A file already on the server: the first thing each client should receive.
    await writeFile(
      path.join(sharedFolder(lab.host('server')), 'welcome.txt'),
      'hello from the server\n',
    );
  }, 300_000);

  it('mesh server keygen prints the key and the client command; JSON names a 0600 file', async () => {
    const human = await mesh(lab, 'server', ['server', 'keygen', '--expiration', '1h']);
    expect(human.exitCode).toBe(0);
    expect(human.stdout).toContain(`mesh client setup --server ${SERVER_URL}`);
    const r = await mesh(lab, 'server', ['server', 'keygen', '--json']);
    expect(r.exitCode).toBe(0);
    checkJson('serverKeygen', r.json);
    const doc = r.json as { keyFile: string; command: string; reusable: boolean };
    expect(doc.reusable).toBe(true);
    // The command is for a client: the server's own key path is no use there.
    expect(doc.command).toContain('--key-file KEY_FILE');
    expect(doc.command).not.toContain(doc.keyFile);
    keyFile = doc.keyFile;
    const key = (await readFile(keyFile, 'utf8')).trim();
    expect(r.stdout).not.toContain(key);
    expect(human.stdout).not.toContain(key);
  }, 60_000);

  it('bad input fails with one line, its exit code, and nothing half-done', async () => {
    const host = 'windows';
    const savedUrl = path.join(
      lab.host(host).env['HOME'] as string,
      '.config/mesh/headscale-server',
    );
    const cases: Array<{ name: string; args: string[]; code: number; input?: string }> = [
      { name: 'unknown flag', args: ['client', 'setup', '--bogus'], code: 2 },
      {
        name: 'malformed URL',
        args: ['client', 'setup', '--server', 'http//nope', '--key-file', keyFile],
        code: 4,
      },
      { name: 'no key', args: ['client', 'setup', '--server', SERVER_URL], code: 4 },
      {
        name: 'unreachable server',
        args: ['client', 'setup', '--server', 'http://10.99.0.77:8080', '--key-file', keyFile],
        code: 5,
      },
      {
        name: 'wrong key',
        args: ['client', 'setup', '--server', SERVER_URL],
        input: 'hskey-auth-thisIsNotARealKeyAtAll-0000000000000000\n',
        code: 6,
      },
    ];
    for (const c of cases) {
      const r = await mesh(lab, host, c.args, c.input === undefined ? {} : { input: c.input });
      time(`bad input: ${c.name}`, r.ms);
      expect(r.exitCode, `${c.name}: ${r.stderr}`).toBe(c.code);
      const errors = r.stderr.split('\n').filter((l) => l.startsWith('ERROR:'));
      expect(errors, c.name).toHaveLength(1);
      expect(r.stderr, c.name).not.toMatch(/\n\s+at /); // no stack without --debug
      expect(await exists(savedUrl), `${c.name} saved the URL`).toBe(false);
      expect(await exists(path.join(syncthingHome(lab.host(host)), 'config.xml')), c.name).toBe(
        false,
      );
      // The wrong key fails after Syncthing and the agent started beside the join (their logs
      // stay, which shows they ran): they are taken away again.
      const state = lab.host(host).env['XDG_STATE_HOME'] as string;
      for (const service of ['mesh-syncthing', 'mesh-agent']) {
        if (c.name === 'wrong key') {
          expect(await exists(path.join(state, `mesh/services/${service}.log`)), service).toBe(
            true,
          );
        }
        expect(await exists(path.join(state, `mesh/services/${service}.json`)), c.name).toBe(false);
      }
      expect(await exists(syncthingHome(lab.host(host))), c.name).toBe(false);
    }
    // Lab hosts share one process table: this host's Syncthing is the one with its home.
    const home = `--home=${syncthingHome(lab.host(host))}`;
    const left = await lab.host(host).runner.run('pgrep', ['-f', '--', home], { timeout: 5000 });
    expect(left.stdout.trim(), 'a Syncthing left running').toBe('');
  }, 300_000);

  it('mesh client setup on wsl and windows (no mesh peer anywhere)', async () => {
    for (const c of CLIENTS) {
      clientStart.set(c, Date.now());
      const r = await mesh(lab, c, [
        'client',
        'setup',
        '--server',
        SERVER_URL,
        '--key-file',
        keyFile,
        '--json',
      ]);
      time(`client setup ${c}`, r.ms);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.json).toMatchObject({ ok: true, serverUrl: SERVER_URL });
      checkJson('clientSetup', r.json);
      expect((r.json as { changes: string[] }).changes).toContain('started the mesh agent');
    }
  }, 600_000);

  it('a file written on each host appears on the other two', async () => {
    // Time from `mesh client setup` start to the server's file arriving on each client.
    await Promise.all(
      CLIENTS.map(async (c) => {
        const file = path.join(sharedFolder(lab.host(c)), 'welcome.txt');
        await until(
          `welcome.txt on ${c}`,
          async () => ((await exists(file)) ? true : undefined),
          180_000,
        );
        time(
          `client setup start -> first file on ${c}`,
          Date.now() - (clientStart.get(c) ?? Date.now()),
        );
      }),
    );
    const t0 = performance.now();
    for (const h of MEMBERS) {
      await writeFile(path.join(sharedFolder(lab.host(h)), `from-${h}.txt`), `written on ${h}\n`);
    }
    await Promise.all(
      MEMBERS.flatMap((from) =>
        MEMBERS.filter((to) => to !== from).map(async (to) => {
          const file = path.join(sharedFolder(lab.host(to)), `from-${from}.txt`);
          const text = await until(
            `from-${from}.txt on ${to}`,
            () => readFile(file, 'utf8'),
            180_000,
          );
          expect(text).toBe(`written on ${from}\n`);
          time(`file ${from} -> ${to}`, Math.round(performance.now() - t0));
        }),
      ),
    );
    // Files can also travel through the server; the agents pair every two members directly.
    const ids = await memberDevices();
    const t1 = Date.now();
    for (const h of MEMBERS) {
      const st = await syncthingOf(lab, h, GUI[h]);
      await until(
        `${h} paired with every other member`,
        async () => {
          const have = new Set((await st.config.devices.list()).map((d) => d.deviceID));
          return MEMBERS.every((o) => o === h || have.has(ids[o].deviceId)) ? true : undefined;
        },
        60_000,
      );
    }
    time('every member paired with every other (after the files)', Date.now() - t1);
  }, 400_000);

  it('mesh status --json reports healthy on every member', async () => {
    for (const h of MEMBERS) {
      const r = await mesh(lab, h, ['status', '--json', '--verbose']);
      time(`status ${h}`, r.ms);
      const s = r.json as { healthy: boolean; checks: Array<{ level: string; message: string }> };
      expect(
        s?.healthy,
        `${h}: ${JSON.stringify(s?.checks?.filter((c) => c.level === 'fail'))}`,
      ).toBe(true);
      expect(r.exitCode).toBe(0);
      checkJson('status', r.json);
    }
    for (const h of MEMBERS) {
      const a = await mesh(lab, h, ['agent', 'status', '--json']);
      expect(a.exitCode, a.stdout).toBe(0);
      checkJson('agentStatus', a.json);
      expect(a.json).toMatchObject({
        running: true,
        fresh: true,
        state: { vouchingOn: expect.stringMatching(/:874$/) },
      });
    }
    const hs = await mesh(lab, 'server', ['server', 'status', '--json']);
    expect(hs.exitCode, hs.stderr).toBe(0);
    checkJson('serverStatus', hs.json);
    expect(hs.json).toMatchObject({ service: 'running', healthy: true, online: 3 });
    const nodes = await mesh(lab, 'server', ['server', 'nodes', 'list', '--json']);
    expect(nodes.exitCode).toBe(0);
    checkJson('nodesList', nodes.json);
    expect((nodes.json as { nodes: unknown[] }).nodes).toHaveLength(3);
  }, 120_000);

  it("mesh status is answered by the running agent: the CLI's own report, and the CLI's again when the agent is stuck", async () => {
    const verdicts = (doc: unknown) =>
      (doc as { checks: Check[] }).checks.map((c) => `${c.name}:${c.level}`);
    for (const h of MEMBERS) {
      const host = lab.host(h);
      const socket = path.join(host.env['XDG_STATE_HOME'] as string, 'mesh', 'agent.sock');
      const st = await stat(socket);
      expect(st.isSocket(), `${h}: ${socket}`).toBe(true);
      expect(st.mode & 0o777).toBe(0o600);
      const byAgent = await mesh(lab, h, ['status', '--json', '--verbose']);
      const byCli = await mesh(lab, h, ['status', '--json', '--verbose'], {
        env: { MESH_STATUS_LOCAL: '1' },
      });
      time(`status ${h}: answered by the agent`, byAgent.ms);
      time(`status ${h}: run by the CLI (MESH_STATUS_LOCAL=1)`, byCli.ms);
      checkJson('status', byAgent.json);
      expect(byAgent.exitCode).toBe(byCli.exitCode);
      expect(verdicts(byAgent.json)).toEqual(verdicts(byCli.json));
      const human = await mesh(lab, h, ['status']);
      expect(human.exitCode).toBe(0);
      expect(human.stdout).toContain('=== Summary ===');
      expect(human.stdout).toContain('OK: All systems operational');
      // Nothing on stderr after a whole report: the socket closing after it is no error.
      expect(byAgent.stderr, h).not.toContain('ERROR');
      expect(human.stderr, h).not.toContain('ERROR');
    }
    // A stopped agent still has its socket accepted by the kernel: the CLI hears no answer,
    // runs the checks itself, and reports the agent as it finds it.
    const agentPid = await agentPidOf('wsl');
    process.kill(agentPid, 'SIGSTOP');
    try {
      const stuck = await mesh(lab, 'wsl', ['status', '--json']);
      checkJson('status', stuck.json);
      expect(verdicts(stuck.json)).toContain('connected:ok');
    } finally {
      process.kill(agentPid, 'SIGCONT');
    }
  }, 120_000);

  it('every command run a second time changes nothing and exits 0', async () => {
    const again = [
      ['server', ['server', 'setup', '--json']],
      ['wsl', ['client', 'setup', '--server', SERVER_URL, '--key-file', keyFile, '--json']],
      ['windows', ['client', 'setup', '--server', SERVER_URL, '--key-file', keyFile, '--json']],
      ['wsl', ['client', 'join', '--key-file', keyFile, '--json']],
      ['server', ['peer', '--json']],
      ['wsl', ['peer', '--json']],
      ['windows', ['peer', '--json']],
      ['server', ['server', 'nodes', 'rename', 'wsl', 'wsl', '--json']],
    ] as const;
    for (const [host, args] of again) {
      const r = await mesh(lab, host, args);
      time(`again: ${host} ${args.slice(0, 2).join(' ')}`, r.ms);
      expect(r.exitCode, `${host} ${args.join(' ')}: ${r.stderr}`).toBe(0);
      checkJson(jsonCommandOf(args), r.json);
      expect(
        r.json,
        `${host} ${args.join(' ')}: ${JSON.stringify((r.json as { changes?: unknown })?.changes)}`,
      ).toMatchObject({ changed: false });
    }
  }, 400_000);

  it('mesh client join --print-command: the tailscale up command that real tailscale accepts as is', async () => {
    const printed = await mesh(lab, 'wsl', [
      'client',
      'join',
      '--print-command',
      '--key-file',
      keyFile,
      '--json',
    ]);
    expect(printed.exitCode, printed.stderr).toBe(0);
    checkJson('clientJoinCommand', printed.json);
    const { command } = printed.json as { command: string[] };
    expect(command).toContain(`--auth-key=file:${keyFile}`);
    expect(command.join(' ')).not.toContain((await readFile(keyFile, 'utf8')).trim());
    // `tailscale up` refuses when a setting mesh made is not named again: this one runs.
    const [program, ...args] = command;
    const r = await lab.host('wsl').runner.run(program as string, args, { timeout: 60_000 });
    expect(r.exitCode, r.stderr).toBe(0);
    expect((await mesh(lab, 'wsl', ['status', '--json'])).exitCode).toBe(0);
  }, 120_000);

  it('a late joiner is paired by the running agents with no command on the others', async () => {
    const t0 = Date.now();
    const r = await mesh(lab, 'laptop', [
      'client',
      'setup',
      '--server',
      SERVER_URL,
      '--key-file',
      keyFile,
      '--json',
    ]);
    time('client setup laptop (late joiner)', r.ms);
    expect(r.exitCode, r.stderr).toBe(0);
    checkJson('clientSetup', r.json);
    const setupDone = Date.now();
    const welcome = path.join(sharedFolder(lab.host('laptop')), 'welcome.txt');
    await until('welcome.txt on laptop', async () => ((await exists(welcome)) ? true : undefined));
    time('late joiner: setup done -> first file', Date.now() - setupDone);
    time('late joiner: setup start -> first file', Date.now() - t0);
    const t1 = Date.now();
    await writeFile(path.join(sharedFolder(lab.host('laptop')), 'from-laptop.txt'), 'laptop\n');
    await Promise.all(
      MEMBERS.map((h) =>
        until(`from-laptop.txt on ${h}`, () =>
          readFile(path.join(sharedFolder(lab.host(h)), 'from-laptop.txt'), 'utf8'),
        ),
      ),
    );
    time('late joiner: file laptop -> every member', Date.now() - t1);
    // Whoever does not know the other yet waits to be dialled: no Syncthing ever turned a
    // first connection away as unknown (which costs Syncthing 1.25+ a second to notice).
    for (const h of [...MEMBERS, 'laptop']) {
      const refused = (await syncthingLog(h))
        .split('\n')
        .filter((line) => line.includes('rejected: unknown device'));
      expect(refused, `${h}: ${refused.join('\n')}`).toEqual([]);
    }
    // Every node told control its DERP home, and every map carries it: a peer can relay to the
    // joiner, and answer its first handshake before a direct path is found.
    type Peers = { Peer?: Record<string, { HostName: string; Online?: boolean; Relay?: string }> };
    for (const h of [...MEMBERS, 'laptop']) {
      await until(`every online peer's DERP home known on ${h}`, async () => {
        const r = await lab.host(h).runner.run('tailscale', ['status', '--json'], {
          timeout: 10_000,
        });
        const peers = Object.values((JSON.parse(r.stdout) as Peers).Peer ?? {});
        return peers.every((p) => !p.Online || p.Relay) ? true : undefined;
      });
    }
  }, 300_000);

  it('a node removed at the server is forgotten by every agent after the grace period; files stay', async () => {
    const laptopId = (
      JSON.parse((await mesh(lab, 'laptop', ['status', '--json'])).stdout) as {
        syncthing: { deviceId: string };
      }
    ).syncthing.deviceId;
    const before = await Promise.all(MEMBERS.map((h) => listing(sharedFolder(lab.host(h)))));
    const t0 = Date.now();
    // Without a terminal, removing needs --yes: refused with exit 4 and nothing removed.
    const unconfirmed = await mesh(lab, 'server', ['server', 'nodes', 'remove', 'laptop']);
    expect(unconfirmed.exitCode).toBe(4);
    expect(unconfirmed.stderr).toContain('removing node laptop: not confirmed');
    const removed = await mesh(lab, 'server', ['server', 'nodes', 'remove', 'laptop', '--yes']);
    expect(removed.exitCode, removed.stderr).toBe(0);
    for (const h of MEMBERS) {
      const st = await syncthingOf(lab, h, GUI[h]);
      await until(
        `${h} forgetting laptop`,
        async () =>
          (await st.config.devices.list()).some((d) => d.deviceID === laptopId) ? undefined : true,
        120_000,
      );
    }
    time('node removed -> forgotten by every agent (grace 5 s)', Date.now() - t0);
    expect(await Promise.all(MEMBERS.map((h) => listing(sharedFolder(lab.host(h)))))).toEqual(
      before,
    );
    const s = await mesh(lab, 'wsl', ['status', '--json']);
    expect(s.exitCode, s.stdout).toBe(0);
    checkJson('status', s.json);
  }, 180_000);

  it('the removed node itself: status fails at once, its agent learns it needs a login, a key brings it back', async () => {
    // tailscaled on the removed node still reads "Running": no peer answers it any more.
    const at = await mesh(lab, 'laptop', ['status', '--json']);
    expect(at.exitCode, at.stdout).toBe(3);
    checkJson('status', at.json);
    const named = failing(at.json).find((c) => c.name === 'reach' || c.name === 'connected');
    expect(named?.fix, at.stdout).toContain('mesh client join --key-file');
    const t0 = Date.now();
    const state = await until(
      "laptop's agent: needs a new login",
      async () => {
        const r = await mesh(lab, 'laptop', ['agent', 'status', '--json']);
        const tailnet = (r.json as { state?: { tailnet?: { state: string } } }).state?.tailnet;
        return tailnet?.state === 'NeedsLogin' ? tailnet : undefined;
      },
      120_000,
    );
    time('removed node: its agent knows it needs a login', Date.now() - t0);
    expect(state.state).toBe('NeedsLogin');
    const noKey = await mesh(lab, 'laptop', ['client', 'join']);
    expect(noKey.exitCode, noKey.stderr).toBe(4);
    expect(noKey.stderr).toContain('needs a new login');
    // Its tailscaled did not register again with the key it joined with (it does not keep it).
    const nodes = await mesh(lab, 'server', ['server', 'nodes', 'list', '--json']);
    expect(nodes.exitCode).toBe(0);
    checkJson('nodesList', nodes.json);
    expect(
      (nodes.json as { nodes: Array<{ name: string }> }).nodes.map((n) => n.name),
    ).not.toContain('laptop');
    const rejoin = await mesh(lab, 'laptop', ['client', 'join', '--key-file', keyFile, '--json']);
    expect(rejoin.exitCode, rejoin.stderr).toBe(0);
    checkJson('clientJoin', rejoin.json);
    expect(rejoin.json).toMatchObject({ ok: true, changed: true });
    await writeFile(path.join(sharedFolder(lab.host('server')), 'after-rejoin.txt'), 'again\n');
    await until(
      'after-rejoin.txt on laptop',
      () => readFile(path.join(sharedFolder(lab.host('laptop')), 'after-rejoin.txt'), 'utf8'),
      120_000,
    );
    time('removed node: rejoined with a key -> files flow again', Date.now() - t0);
  }, 300_000);

  it('mesh client leave: logged out, Mesh stopped, the shared folder and its files kept', async () => {
    const folder = sharedFolder(lab.host('laptop'));
    const files = await listing(folder);
    const r = await mesh(lab, 'laptop', ['client', 'leave', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    checkJson('clientLeave', r.json);
    expect(r.json).toMatchObject({ ok: true, loggedOut: true });
    expect((r.json as { stopped: string[] }).stopped.sort()).toEqual(
      ['mesh-agent', 'mesh-syncthing', 'mesh-tailscaled'].sort(),
    );
    expect(await listing(folder)).toEqual(files);
    // For some seconds its peers still list it online, its key expired: nothing asks it then.
    const wslApi = new LocalApiClient({
      socketPath: path.join(
        lab.host('wsl').env['MESH_ROOT'] as string,
        'var/run/tailscale/tailscaled.sock',
      ),
    });
    try {
      await until('laptop listed with its key expired on wsl', async () => {
        const peers = Object.values((await wslApi.status()).Peer ?? {});
        return peers.some((p) => p.HostName === 'laptop' && p.Expired) || undefined;
      });
    } finally {
      await wslApi.close();
    }
    const paired = await mesh(lab, 'wsl', ['peer', '--json']);
    expect(paired.exitCode, paired.stderr).toBe(0);
    expect(
      (paired.json as { unvouched: Array<{ hostname: string }> }).unvouched,
    ).not.toContainEqual(expect.objectContaining({ hostname: 'laptop' }));
    const again = await mesh(lab, 'laptop', ['client', 'leave', '--json']);
    expect(again.exitCode, again.stderr).toBe(0);
    checkJson('clientLeave', again.json);
    expect(again.json).toMatchObject({ loggedOut: false, stopped: [] });
  }, 120_000);

  it('only root answers for a node: a rogue Syncthing of a non-root user on a member is never trusted', async () => {
    const server = lab.host('server');
    // The agent's port is one a non-root user cannot bind, in every lab namespace as on a machine.
    const bind = await server.runner.run(
      'runuser',
      [
        '-u',
        'nobody',
        '--',
        process.execPath,
        '-e',
        `require('node:net').createServer().on('error',(e)=>{console.log(e.code);process.exit(3)}).listen(${VOUCH_PORT},'0.0.0.0',()=>process.exit(0))`,
      ],
      { timeout: 20_000 },
    );
    expect(bind.exitCode, bind.stdout + bind.stderr).toBe(3);
    expect(bind.stdout).toContain('EACCES');

    // A user of the server host runs their own Syncthing on the free sync port 22002 of the
    // server's tailnet address, knowing both clients' device IDs and addresses.
    const members = await memberDevices();
    // Outside the lab's root, which only root may enter; removed with the lab.
    rogueHome = await mkdtemp(path.join(os.tmpdir(), 'mesh-rogue-'));
    const home = rogueHome;
    await chown(home, NOBODY, NOBODY);
    const asNobody = (args: string[]) =>
      server.runner.run('runuser', ['-u', 'nobody', '--', '/usr/bin/syncthing', ...args], {
        timeout: 60_000,
        env: { HOME: home },
      });
    const gen = await asNobody([
      'generate',
      `--home=${home}`,
      '--no-default-folder',
      '--skip-port-probing',
    ]);
    expect(gen.exitCode, gen.stderr).toBe(0);
    const configPath = path.join(home, 'config.xml');
    let xml = configureSyncthingXml(await readFile(configPath, 'utf8'), {
      guiAddress: '127.0.0.1:8391',
      apiKey: ROGUE_API_KEY,
      listenAddress: 'tcp://0.0.0.0:22002',
      deviceName: 'server',
    });
    const devices = CLIENTS.map(
      (c) =>
        `    <device id="${members[c].deviceId}" name="${c}" compression="metadata" introducer="false" skipIntroductionRemovals="false" introducedBy=""><address>tcp://${members[c].ip}:${members[c].port}</address><paused>false</paused><autoAcceptFolders>true</autoAcceptFolders></device>`,
    );
    xml = xml.replace('</configuration>', `${devices.join('\n')}\n</configuration>`);
    await writeFile(configPath, xml, { mode: 0o600 });
    await chown(configPath, NOBODY, NOBODY);
    rogue = server.spawn(
      'rogue-syncthing',
      'runuser',
      [
        '-u',
        'nobody',
        '--',
        '/usr/bin/syncthing',
        'serve',
        `--home=${home}`,
        '--no-browser',
        '--no-restart',
        '--no-upgrade',
      ],
      { env: { HOME: home, STNOUPGRADE: '1', STNORESTART: '1', STMONITORED: 'yes' } },
    );
    rogueId = (await asNobody(['--device-id', `--home=${home}`])).stdout.trim();
    expect(rogueId).toMatch(/^[A-Z0-9]{7}(-[A-Z0-9]{7}){7}$/);
    await until('rogue listening on 22002', async () => {
      const ss = await server.runner.run('ss', ['-Hltn', 'sport = :22002'], { timeout: 5000 });
      return ss.stdout.includes('22002') ? true : undefined;
    });

    // It knocks on both clients; their agents ask the server's agent, which vouches for the
    // server's own device only: refused, and `mesh peer` never adds it.
    for (const c of CLIENTS) {
      await agentRefused(c, rogueId);
      const r = await mesh(lab, c, ['peer', '--json']);
      expect(r.exitCode, r.stderr).toBe(0);
      checkJson('peer', r.json);
      const doc = r.json as {
        added: Array<{ deviceId: string }>;
        updated: Array<{ deviceId: string }>;
      };
      expect([...doc.added, ...doc.updated].map((d) => d.deviceId)).not.toContain(rogueId);
    }
    const st = await syncthingOf(lab, 'server', 8391, ROGUE_API_KEY);
    for (const h of MEMBERS) {
      const ids = (await (await syncthingOf(lab, h, GUI[h])).config.devices.list()).map(
        (d) => d.deviceID,
      );
      expect(ids, `${h} added the rogue`).not.toContain(rogueId);
    }
    const conns = await st.system.connections();
    expect(Object.values(conns.connections).some((x) => x.connected === true)).toBe(false);
  }, 300_000);

  it('a device paired under the old rule: status fails, mesh peer --prune removes it, files stay', async () => {
    // What the earlier pairing rule could leave behind: the rogue added and shared on wsl.
    const wsl = await syncthingOf(lab, 'wsl', GUI.wsl);
    await wsl.config.devices.add({
      deviceID: rogueId,
      name: 'server',
      addresses: ['tcp://100.64.0.1:22002'],
    });
    const folder = await wsl.config.folders.get('opt-shared');
    await wsl.config.folders.update('opt-shared', {
      devices: [...(folder.devices ?? []), { deviceID: rogueId }],
    });
    const before = await listing(sharedFolder(lab.host('wsl')));

    const bad = await mesh(lab, 'wsl', ['status', '--json']);
    expect(bad.exitCode).toBe(3);
    checkJson('status', bad.json);
    const s = bad.json as {
      trust: { untrusted: Array<{ deviceId: string }> };
      checks: Array<{ name: string; level: string; fix?: string }>;
    };
    expect(s.trust.untrusted.map((d) => d.deviceId)).toEqual([rogueId]);
    expect(s.checks.find((c) => c.name === 'devices')).toMatchObject({
      level: 'fail',
      fix: expect.stringContaining('mesh peer --prune'),
    });

    const pruned = await mesh(lab, 'wsl', ['peer', '--prune', '--json']);
    expect(pruned.exitCode, pruned.stderr).toBe(0);
    checkJson('peerPrune', pruned.json);
    expect(
      (pruned.json as { removed: Array<{ deviceId: string }> }).removed.map((d) => d.deviceId),
    ).toEqual([rogueId]);
    expect((await wsl.config.devices.list()).map((d) => d.deviceID)).not.toContain(rogueId);
    expect(
      ((await wsl.config.folders.get('opt-shared')).devices ?? []).map((d) => d.deviceID),
    ).not.toContain(rogueId);
    expect(await listing(sharedFolder(lab.host('wsl')))).toEqual(before);
    const again = await mesh(lab, 'wsl', ['peer', '--prune', '--json']);
    checkJson('peerPrune', again.json);
    expect(again.json).toMatchObject({ changed: false, removed: [] });
    const good = await mesh(lab, 'wsl', ['status', '--json']);
    expect(good.exitCode, JSON.stringify((good.json as { checks: unknown[] }).checks)).toBe(0);
    checkJson('status', good.json);
  }, 120_000);

  it('mesh peer --device-id is an explicit act of trust: refused without --yes, listed as manual', async () => {
    const refused = await mesh(lab, 'windows', ['peer', '--device-id', rogueId], { input: '' });
    expect(refused.exitCode).toBe(4);
    expect(refused.stderr.split('\n').filter((l) => l.startsWith('ERROR:'))).toHaveLength(1);
    const win = await syncthingOf(lab, 'windows', GUI.windows);
    expect((await win.config.devices.list()).map((d) => d.deviceID)).not.toContain(rogueId);

    const added = await mesh(lab, 'windows', ['peer', '--device-id', rogueId, '--yes', '--json']);
    expect(added.exitCode, added.stderr).toBe(0);
    checkJson('peerAdd', added.json);
    expect(added.json).toMatchObject({ ok: true, manual: true, changed: true });
    const s = await mesh(lab, 'windows', ['status', '--json']);
    checkJson('status', s.json);
    expect(
      (s.json as { trust: { manual: Array<{ deviceId: string }> } }).trust.manual.map(
        (d) => d.deviceId,
      ),
    ).toEqual([rogueId]);
    const human = await mesh(lab, 'windows', ['status', '--verbose']);
    expect(human.stdout).toContain('added by hand (manual)');
    // Undo it, as a person would, so the later checks see the mesh alone.
    await win.config.devices.remove(rogueId);
    await rogue?.stop();
    rogue = undefined;
  }, 120_000);

  it('a Syncthing outside the mesh that knows a member is refused and never added', async () => {
    const out = lab.host('outside');
    const server = lab.host('server');
    const serverId = await readServerDeviceId();
    const home = path.join(out.root, 'syncthing');
    await mkdir(home, { recursive: true, mode: 0o700 });
    const gen = await out.runner.run(
      '/usr/bin/syncthing',
      ['generate', `--home=${home}`, '--no-default-folder', '--skip-port-probing'],
      { timeout: 60_000 },
    );
    expect(gen.exitCode, gen.stderr).toBe(0);
    const configPath = path.join(home, 'config.xml');
    let xml = configureSyncthingXml(await readFile(configPath, 'utf8'), {
      guiAddress: '127.0.0.1:8390',
      apiKey: 'outsideroutsideroutsideroutside1',
      listenAddress: 'tcp://0.0.0.0:22000',
      deviceName: 'outside',
    });
    // It knows the server's device ID and address and dials it.
    xml = xml.replace(
      '</configuration>',
      `    <device id="${serverId}" name="server" compression="metadata" introducer="false" skipIntroductionRemovals="false" introducedBy=""><address>tcp://${server.ip}:22000</address><paused>false</paused><autoAcceptFolders>false</autoAcceptFolders><maxSendKbps>0</maxSendKbps><maxRecvKbps>0</maxRecvKbps><maxRequestKiB>0</maxRequestKiB><untrusted>false</untrusted><remoteGUIPort>0</remoteGUIPort></device>\n</configuration>`,
    );
    await writeFile(configPath, xml, { mode: 0o600 });
    outsider = out.spawn(
      'syncthing',
      '/usr/bin/syncthing',
      ['serve', `--home=${home}`, '--no-browser', '--no-restart', '--no-upgrade'],
      {
        env: { STNOUPGRADE: '1', STNORESTART: '1', STMONITORED: 'yes' },
      },
    );
    const outsiderId = await until('outsider device ID', async () => {
      const r = await out.runner.run('/usr/bin/syncthing', ['--device-id', `--home=${home}`], {
        timeout: 10_000,
      });
      return r.exitCode === 0 && r.stdout.trim() ? r.stdout.trim() : undefined;
    });

    // The server's agent sees it knocking and refuses it: not a tailnet address, so not a
    // mesh member; `mesh peer` never adds it either.
    await agentRefused('server', outsiderId);
    const r = await mesh(lab, 'server', ['peer', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    checkJson('peer', r.json);
    const st = await syncthingOf(lab, 'server', GUI.server);
    expect((await st.config.devices.list()).map((d) => d.deviceID)).not.toContain(outsiderId);
    const human = await mesh(lab, 'server', ['peer']);
    expect(human.stdout + human.stderr).not.toContain(`Added outside`);
  }, 300_000);

  it('paused devices fail status by name, and the agent resumes them', async () => {
    const win = await syncthingOf(lab, 'windows', GUI.windows);
    const self = (await win.system.status()).myID;
    // The agent is held still while status looks, or it may resume them first.
    const agentPid = await agentPidOf('windows');
    process.kill(agentPid, 'SIGSTOP');
    let s: Awaited<ReturnType<typeof mesh>>;
    try {
      await win.system.pause();
      s = await mesh(lab, 'windows', ['status', '--json']);
    } finally {
      process.kill(agentPid, 'SIGCONT');
    }
    expect(s.exitCode).toBe(3);
    checkJson('status', s.json);
    const fail = failing(s.json);
    expect(fail.find((c) => c.name === 'paused')?.message).toMatch(/paused.*server/);
    const t0 = Date.now();
    await until(
      'the agent resuming them',
      async () =>
        (await win.config.devices.list()).some((d) => d.paused && d.deviceID !== self)
          ? undefined
          : true,
      60_000,
    ).catch(async (error: Error) => {
      throw new Error(`${error.message}; agent log:\n${await agentLogTail('windows')}`);
    });
    time('devices paused -> resumed by the agent', Date.now() - t0);
    expect((await mesh(lab, 'windows', ['status', '--json'])).exitCode).toBe(0);
  }, 120_000);

  it('Headscale down, seen from a client: status fails naming it; fine again once it runs', async () => {
    const server = lab.host('server');
    const pidFile = path.join(
      server.env['HOME'] as string,
      '.local/state/mesh/services/mesh-headscale.supervisor.pid',
    );
    process.kill(Number((await readFile(pidFile, 'utf8')).trim()), 'SIGTERM');
    await until('Headscale down', async () => ((await exists(pidFile)) ? undefined : true), 30_000);
    const s = await statusFailing('wsl');
    checkJson('status', s.json);
    expect(failing(s.json).find((c) => c.name === 'reachable')?.message).toContain(SERVER_URL);
    // On the server: nodes and keys are unknown, not zero; keygen and status name one fix.
    const ss = await mesh(lab, 'server', ['server', 'status', '--json']);
    expect(ss.exitCode).toBe(3);
    checkJson('serverStatus', ss.json);
    expect(ss.json).toMatchObject({ ok: false, service: 'stopped', nodes: null, keys: null });
    const human = await mesh(lab, 'server', ['server', 'status']);
    expect(human.stdout).not.toContain('No nodes registered yet');
    expect(human.stdout).toContain(`Fix: ${HEADSCALE_DOWN_FIX}`);
    const keygen = await mesh(lab, 'server', ['server', 'keygen']);
    expect(keygen.exitCode).toBe(7);
    expect(keygen.stderr).toContain(HEADSCALE_DOWN_FIX);
    const st = await statusFailing('server');
    checkJson('status', st.json);
    expect(failing(st.json).find((c) => c.name === 'service')?.fix).toBe(HEADSCALE_DOWN_FIX);
    // The fix it names works, and needs nothing else.
    expect((await mesh(lab, 'server', ['doctor', '--fix'])).exitCode).toBe(0);
    await until('wsl healthy again', async () =>
      (await mesh(lab, 'wsl', ['status', '--json'])).exitCode === 0 ? true : undefined,
    );
  }, 120_000);

  it("a folder that stopped is named with Syncthing's reason", async () => {
    const wsl = lab.host('wsl');
    const marker = path.join(sharedFolder(wsl), '.stfolder');
    await rm(marker, { recursive: true, force: true });
    const st = await syncthingOf(lab, 'wsl', GUI.wsl);
    await st.db.scan({ folder: 'opt-shared' }).catch(() => undefined);
    const s = await until('the folder error in status', async () => {
      const r = await mesh(lab, 'wsl', ['status', '--json']);
      return r.exitCode === 3 && failing(r.json).some((c) => c.name === 'folder-errors')
        ? r
        : undefined;
    });
    expect(failing(s.json).find((c) => c.name === 'folder-errors')?.message).toMatch(/marker/);
    checkJson('status', s.json);
    await mkdir(marker);
    await until(
      'the folder running again',
      async () => {
        await st.db.scan({ folder: 'opt-shared' }).catch(() => undefined);
        return (await mesh(lab, 'wsl', ['status', '--json'])).exitCode === 0 ? true : undefined;
      },
      120_000,
    );
  }, 240_000);

  it('kill -9 of the agent, Syncthing or tailscaled: back and in sync with no command', async () => {
    const wsl = lab.host('wsl');
    const pidOf = async (service: string) =>
      Number(
        (
          await readFile(
            path.join(wsl.env['HOME'] as string, `.local/state/mesh/services/${service}.pid`),
            'utf8',
          ).catch(() => '0')
        ).trim(),
      );
    // The agents' memory after minutes of work: resident, and of that what is the agent's own
    // (anonymous) and what is Node's program file, shared by every Node process.
    for (const h of MEMBERS) {
      const pidFile = path.join(
        lab.host(h).env['HOME'] as string,
        '.local/state/mesh/services/mesh-agent.pid',
      );
      const status = await readFile(
        `/proc/${(await readFile(pidFile, 'utf8')).trim()}/status`,
        'utf8',
      );
      const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1]);
      const mib = (field: string) => (kb(field) / 1024).toFixed(1);
      console.log(
        `[mesh lab] mesh agent on ${h}: RSS ${mib('VmRSS')} MiB (own ${mib('RssAnon')}, Node's file ${mib('RssFile')})`,
      );
    }
    for (const service of ['mesh-agent', 'mesh-syncthing', 'mesh-tailscaled']) {
      const before = await pidOf(service);
      expect(before, service).toBeGreaterThan(0);
      const t0 = Date.now();
      process.kill(before, 'SIGKILL');
      await until(`${service} back`, async () => {
        const now = await pidOf(service);
        return now > 0 && now !== before ? true : undefined;
      });
      const name = `after-kill-${service}.txt`;
      await writeFile(path.join(sharedFolder(lab.host('server')), name), `${service}\n`);
      await until(`${name} on wsl`, async () =>
        (await readFile(path.join(sharedFolder(wsl), name), 'utf8').catch(() => '')) ===
        `${service}\n`
          ? true
          : undefined,
      );
      await writeFile(path.join(sharedFolder(wsl), `back-${service}.txt`), 'back\n');
      await until(`back-${service}.txt on the server`, () =>
        readFile(path.join(sharedFolder(lab.host('server')), `back-${service}.txt`), 'utf8'),
      );
      time(`kill -9 ${service} on wsl -> syncing both ways again`, Date.now() - t0);
    }
    // Keeper and program killed together (as by an OOM kill of the group): no service manager
    // restarts it here, the agent does.
    const keeperFile = path.join(
      wsl.env['HOME'] as string,
      '.local/state/mesh/services/mesh-syncthing.supervisor.pid',
    );
    const keeper = Number((await readFile(keeperFile, 'utf8')).trim());
    const program = await pidOf('mesh-syncthing');
    const t1 = Date.now();
    process.kill(keeper, 'SIGKILL');
    process.kill(program, 'SIGKILL');
    await until('Syncthing started again by the agent', async () => {
      const now = await pidOf('mesh-syncthing');
      return now > 0 && now !== program ? true : undefined;
    });
    time('keeper and Syncthing killed -> started again by the agent', Date.now() - t1);
    const s = await until('wsl healthy again', async () => {
      const r = await mesh(lab, 'wsl', ['status', '--json']);
      return r.exitCode === 0 ? r : undefined;
    });
    expect(s.exitCode, s.stdout).toBe(0);
    checkJson('status', s.json);
  }, 300_000);

  it('a host whose link is cut: status fails naming it; healed, what was written meanwhile arrives', async () => {
    const t0 = Date.now();
    await lab.setLink('windows', false);
    try {
      const cut = await until(
        'windows status failing',
        async () => {
          const r = await mesh(lab, 'windows', ['status', '--json']);
          return r.exitCode === 3 && failing(r.json).some((c) => c.name === 'reach')
            ? r
            : undefined;
        },
        60_000,
      );
      expect(failing(cut.json).find((c) => c.name === 'reach')?.message).toContain(
        'reaches none of its',
      );
      checkJson('status', cut.json);
      time('link cut -> windows status fails', Date.now() - t0);
      await writeFile(path.join(sharedFolder(lab.host('server')), 'during-cut-server.txt'), 's\n');
      await writeFile(
        path.join(sharedFolder(lab.host('windows')), 'during-cut-windows.txt'),
        'w\n',
      );
    } finally {
      await lab.setLink('windows', true);
    }
    const t1 = Date.now();
    await until(
      'during-cut-server.txt on windows',
      () => readFile(path.join(sharedFolder(lab.host('windows')), 'during-cut-server.txt'), 'utf8'),
      180_000,
    );
    await until(
      'during-cut-windows.txt on the server',
      () => readFile(path.join(sharedFolder(lab.host('server')), 'during-cut-windows.txt'), 'utf8'),
      180_000,
    );
    time('link healed -> files written during the cut arrive both ways', Date.now() - t1);
    await until(
      'windows healthy again',
      async () =>
        (await mesh(lab, 'windows', ['status', '--json'])).exitCode === 0 ? true : undefined,
      120_000,
    );
  }, 480_000);

  it('a sync port another program holds: status names it and who to ask; freed, doctor --fix mends it', async () => {
    const host = lab.host('windows');
    const home = host.env['HOME'] as string;
    const keeperOf = async () =>
      Number(
        (
          await readFile(
            path.join(home, '.local/state/mesh/services/mesh-syncthing.supervisor.pid'),
            'utf8',
          )
        ).trim(),
      );
    process.kill(await keeperOf(), 'SIGTERM');
    await until('Syncthing stopped', async () =>
      (await mesh(lab, 'windows', ['status', '--json'])).stdout.includes('is not running')
        ? true
        : undefined,
    );
    // Syncthing's REST port closes before its sync port: a squatter started in between finds
    // 22002 taken and exits, and the test would look at Syncthing instead.
    const held = async () => (await host.runner.run('ss', ['-Hltnp', 'sport = :22002'])).stdout;
    await until('port 22002 free', async () => ((await held()).trim() === '' ? true : undefined));
    const squatter = host.spawn('squatter', process.execPath, [
      '-e',
      "require('node:net').createServer().listen(22002, '0.0.0.0')",
    ]);
    try {
      await until('the squatter listening', async () =>
        (await held()).includes(`pid=${squatter.pid},`) ? true : undefined,
      );
      expect((await mesh(lab, 'windows', ['client', 'join'])).exitCode).toBe(0);
      const s = await until('status naming the port', async () => {
        const r = await mesh(lab, 'windows', ['status', '--json']);
        return failing(r.json).some((c) => c.name === 'listen') ? r : undefined;
      });
      expect(s.exitCode).toBe(3);
      checkJson('status', s.json);
      const listen = failing(s.json).find((c) => c.name === 'listen');
      expect(listen?.message).toMatch(/22002.*address already in use/);
      expect(listen?.fix).toContain("ss -ltnp 'sport = :22002'");
      // Setup checks the ports before it changes anything: at once, not after a 45 s wait.
      const setup = await mesh(lab, 'windows', ['client', 'setup']);
      expect(setup.exitCode, setup.stdout + setup.stderr).toBe(4);
      expect(setup.stderr.split('\n').find((l) => l.startsWith('ERROR:'))).toBe(
        `ERROR: Port 22002 (Syncthing sync) is in use by node (pid ${squatter.pid})`,
      );
      time('client setup refused: sync port in use', setup.ms);
    } finally {
      await squatter.stop();
    }
    const fixed = await mesh(lab, 'windows', ['doctor', '--fix', '--json']);
    expect(fixed.exitCode, fixed.stdout).toBe(0);
    checkJson('doctor', fixed.json);
  }, 240_000);

  it("a damaged Syncthing config is named as such, not as 'not set up'", async () => {
    const home = await mkdtemp(path.join(os.tmpdir(), 'mesh-broken-st-'));
    try {
      await writeFile(path.join(home, 'config.xml'), '<configuration><gui></configuration');
      const r = await mesh(lab, 'wsl', ['status', '--json'], {
        env: { MESH_SYNCTHING_HOME: home },
      });
      expect(r.exitCode).toBe(3);
      checkJson('status', r.json);
      const check = failing(r.json).find((c) => c.section === 'syncthing');
      expect(check?.message).toContain(`${home}/config.xml cannot be read`);
      expect(check?.message).not.toContain('not set up');
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  }, 60_000);

  it('an .stignore that hides files beyond the defaults is named', async () => {
    const file = path.join(sharedFolder(lab.host('wsl')), '.stignore');
    const original = await readFile(file, 'utf8');
    try {
      await writeFile(file, `${original}private/\n*.key\n`);
      // Within the agent's freshness: a report at most 2 s old.
      const stignore = (r: { json: unknown }) =>
        (r.json as { checks: Check[] }).checks.find((c) => c.name === 'stignore');
      const r = await until(
        'status naming the .stignore',
        async () => {
          const got = await mesh(lab, 'wsl', ['status', '--json']);
          return stignore(got) ? got : undefined;
        },
        10_000,
      );
      checkJson('status', r.json);
      const warn = stignore(r);
      expect(warn?.level).toBe('warn');
      expect(warn?.message).toContain('private/, *.key');
    } finally {
      await writeFile(file, original);
    }
    const again = await until(
      'status no longer naming the .stignore',
      async () => {
        const got = await mesh(lab, 'wsl', ['status', '--json']);
        return (got.json as { checks: Check[] }).checks.some((c) => c.name === 'stignore')
          ? undefined
          : got;
      },
      10_000,
    );
    checkJson('status', again.json);
  }, 60_000);

  it('a server not set up yet: every fix names a server command', async () => {
    const r = await mesh(lab, 'outside', ['status', '--json'], {
      env: { MESH_SERVER_HOSTNAMES: 'outside' },
    });
    expect(r.exitCode).toBe(3);
    checkJson('status', r.json);
    const fixes = failing(r.json).map((c) => c.fix ?? '');
    expect(fixes.length).toBeGreaterThan(0);
    expect(fixes.join('\n')).not.toContain('mesh client');
    expect(fixes.join('\n')).toContain('mesh server setup');
  }, 60_000);

  it('mesh doctor lists each failure with its evidence; --fix repairs them and reports healthy', async () => {
    const host = lab.host('windows');
    const home = host.env['HOME'] as string;
    const keeper = Number(
      (
        await readFile(
          path.join(home, '.local/state/mesh/services/mesh-syncthing.supervisor.pid'),
          'utf8',
        )
      ).trim(),
    );
    process.kill(keeper, 'SIGTERM'); // stopped on purpose: the agent leaves it so
    const api = new LocalApiClient({
      socketPath: path.join(host.env['MESH_ROOT'] as string, 'var/run/tailscale/tailscaled.sock'),
    });
    await api.patchPrefs({ WantRunning: false });
    await api.close();
    const seen = await until('doctor seeing both', async () => {
      const r = await mesh(lab, 'windows', ['doctor']);
      return r.stdout.includes('FAIL: [syncthing]') && r.stdout.includes('FAIL: [tailscale]')
        ? r
        : undefined;
    });
    expect(seen.exitCode).toBe(3);
    expect(seen.stdout).toContain('mesh doctor --fix applies the safe repairs');
    const t0 = Date.now();
    const fixed = await mesh(lab, 'windows', ['doctor', '--fix', '--json']);
    time('mesh doctor --fix (Syncthing stopped, tailscale down)', Date.now() - t0);
    expect(fixed.exitCode, fixed.stdout + fixed.stderr).toBe(0);
    checkJson('doctor', fixed.json);
    const doc = fixed.json as { healthy: boolean; fixes: Array<{ action: string; ok: boolean }> };
    expect(doc.healthy).toBe(true);
    expect(doc.fixes.map((f) => f.action)).toEqual(
      expect.arrayContaining([
        'brought Tailscale up again',
        "started Mesh's stopped services (tailscaled, Syncthing, the agent)",
      ]),
    );
    expect((await mesh(lab, 'windows', ['status', '--json'])).exitCode).toBe(0);
  }, 180_000);

  it('Syncthing stopped: mesh peer fails with exit 7, mesh status with 3; mesh client join repairs with no key', async () => {
    const host = lab.host('windows');
    // Stop it the way the service manager does: SIGTERM to the supervisor stops both.
    const pidFile = path.join(
      host.env['HOME'] as string,
      '.local/state/mesh/services/mesh-syncthing.supervisor.pid',
    );
    const pid = Number((await readFile(pidFile, 'utf8')).trim());
    process.kill(pid, 'SIGTERM');
    await until(
      'syncthing stopped',
      async () => {
        try {
          process.kill(pid, 0);
          return undefined;
        } catch {
          return true;
        }
      },
      30_000,
    );
    const peer = await mesh(lab, 'windows', ['peer']);
    expect(peer.exitCode, peer.stderr).toBe(7);
    expect(peer.stderr.split('\n').filter((l) => l.startsWith('ERROR:'))).toHaveLength(1);
    const status = await mesh(lab, 'windows', ['status', '--json']);
    expect(status.exitCode).toBe(3);
    checkJson('status', status.json);
    expect((status.json as { healthy: boolean }).healthy).toBe(false);
    // And Tailscale taken down (`tailscale down`).
    const api = new LocalApiClient({
      socketPath: path.join(host.env['MESH_ROOT'] as string, 'var/run/tailscale/tailscaled.sock'),
    });
    await api.patchPrefs({ WantRunning: false });
    expect((await api.status({ peers: false })).BackendState).toBe('Stopped');
    // The repair needs no key and no URL: join brings both back.
    const join = await mesh(lab, 'windows', ['client', 'join', '--json']);
    expect(join.exitCode, join.stderr).toBe(0);
    checkJson('clientJoin', join.json);
    expect(join.json).toMatchObject({ ok: true, changed: true, started: ['mesh-syncthing'] });
    expect((await api.status({ peers: false })).BackendState).toBe('Running');
    await api.close();
    // Syncthing and the tailnet paths need a few seconds after a start.
    await until('windows healthy after the repair', async () =>
      (await mesh(lab, 'windows', ['status', '--json'])).exitCode === 0 ? true : undefined,
    );
    // Setup again, with no --server and no key on a joined machine, changes nothing.
    const again = await mesh(lab, 'windows', ['client', 'setup', '--json'], { input: '' });
    expect(again.exitCode, again.stderr).toBe(0);
    checkJson('clientSetup', again.json);
    const healthy = await mesh(lab, 'windows', ['status', '--json']);
    expect(healthy.exitCode).toBe(0);
    checkJson('status', healthy.json);
  }, 300_000);
});

const GUI = { server: 8384, wsl: 8385, windows: 8386 } as const;
const SYNC = { server: 22000, wsl: 22001, windows: 22002 } as const;
type Member = (typeof MEMBERS)[number];
/** nobody:nogroup on Debian. */
const NOBODY = 65534;
let rogueId = '';
const ROGUE_API_KEY = 'roguerogueroguerogueroguerogue12';

/** Device ID, tailnet IP and sync port of each member, from its own `mesh status`. */
async function memberDevices(): Promise<
  Record<Member, { deviceId: string; ip: string; port: number }>
> {
  const out = {} as Record<Member, { deviceId: string; ip: string; port: number }>;
  for (const h of MEMBERS) {
    const r = await mesh(lab, h, ['status', '--json', '--verbose']);
    checkJson('status', r.json);
    const s = r.json as { syncthing: { deviceId: string }; tailscale: { ip: string } };
    out[h] = { deviceId: s.syncthing.deviceId, ip: s.tailscale.ip, port: SYNC[h] };
  }
  return out;
}

/** Every file below `dir` with its size and content hash, sorted: a folder's fingerprint. */
async function listing(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile() && !e.parentPath.includes('.stversions'));
  const rows = await Promise.all(
    files.map(async (e) => {
      const full = path.join(e.parentPath, e.name);
      const hash = createHash('sha256')
        .update(await readFile(full))
        .digest('hex');
      return `${path.relative(dir, full)} ${hash}`;
    }),
  );
  return rows.sort();
}

/** The failed checks of a `mesh status --json` document. */
type Check = { section: string; name: string; level: string; message: string; fix?: string };

/** The pid of the agent on `host` (the supervised fallback's pid file). */
async function agentPidOf(host: string): Promise<number> {
  const state = lab.host(host).env['XDG_STATE_HOME'] as string;
  return Number((await readFile(path.join(state, 'mesh/services/mesh-agent.pid'), 'utf8')).trim());
}

function failing(doc: unknown): Check[] {
  const checks = (doc as { checks?: Check[] })?.checks;
  return (checks ?? []).filter((c) => c.level === 'fail');
}

/** The log of the Syncthing mesh runs on a bare host. */
function syncthingLog(host: string): Promise<string> {
  const log = path.join(
    lab.host(host).env['HOME'] as string,
    '.local/state/mesh/services/mesh-syncthing.log',
  );
  return readFile(log, 'utf8');
}

/** The last lines of a host's agent log (for a failure message). */
async function agentLogTail(host: string): Promise<string> {
  const log = path.join(
    lab.host(host).env['HOME'] as string,
    '.local/state/mesh/services/mesh-agent.log',
  );
  return (await readFile(log, 'utf8').catch(() => '(no log)')).split('\n').slice(-15).join('\n');
}

/** Waits until the agent of `host` logged that it refused `deviceId`. */
async function agentRefused(host: string, deviceId: string): Promise<void> {
  const log = path.join(
    lab.host(host).env['HOME'] as string,
    '.local/state/mesh/services/mesh-agent.log',
  );
  await until(
    `${host}'s agent refusing ${deviceId.slice(0, 7)}`,
    async () =>
      (await readFile(log, 'utf8')).includes(`refused ${deviceId.slice(0, 7)}`) ? true : undefined,
    120_000,
  );
}

async function readServerDeviceId(): Promise<string> {
  const r = await mesh(lab, 'server', ['status', '--json', '--verbose']);
  checkJson('status', r.json);
  const id = (r.json as { syncthing: { deviceId?: string } }).syncthing.deviceId;
  if (!id) throw new Error('server has no device ID');
  return id;
}
