import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { configureSyncthingXml, describeLab, Lab, type LabProcess, socketGet } from '@mesh/lab';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mesh, sharedFolder, syncthingApiKey, syncthingHome, until } from './lab-helpers.js';

// From nothing to a full mesh with the built CLI: three bare lab hosts (no daemon started by
// the lab), plus a fourth host, `outside`, that runs a Syncthing which is never a mesh member.
const SERVER_URL = 'http://10.99.0.1:8080';
const CLIENTS = ['wsl', 'windows'] as const;
const MEMBERS = ['server', ...CLIENTS] as const;

let lab: Lab;
const timings: Array<[string, number]> = [];
const clientStart = new Map<string, number>();
let keyFile = '';
let outsider: LabProcess | undefined;

function time(phase: string, ms: number): void {
  timings.push([phase, ms]);
}

async function exists(p: string): Promise<boolean> {
  return access(p).then(
    () => true,
    () => false,
  );
}

describeLab('mesh CLI in the lab', () => {
  beforeAll(async () => {
    const t0 = performance.now();
    lab = await Lab.up({
      hosts: ['server', 'wsl', 'windows', 'outside'],
      headscale: false,
      tailscale: false,
      syncthing: false,
    });
    time('lab up (bare hosts)', Math.round(performance.now() - t0));
  }, 120_000);

  afterAll(async () => {
    await outsider?.stop().catch(() => undefined);
    console.log('\n[mesh lab timings]');
    for (const [phase, ms] of timings)
      console.log(`  ${phase.padEnd(60)} ${String(ms).padStart(7)} ms`);
    await lab?.down({ keepLogs: lab?.failed ?? false });
  }, 60_000);

  it('mesh server setup from nothing, then again with nothing to change', async () => {
    const first = await mesh(lab, 'server', ['server', 'setup', '--json']);
    time('server setup (first)', first.ms);
    expect(first.stderr + first.stdout, 'server setup').toContain('"ok": true');
    expect(first.exitCode).toBe(0);
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
    const doc = r.json as { keyFile: string; command: string; reusable: boolean };
    expect(doc.reusable).toBe(true);
    expect(doc.command).toContain('--key-file');
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
    }
  }, 300_000);

  it('mesh client setup on wsl and windows, then mesh peer everywhere', async () => {
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
    }
    for (const h of MEMBERS) {
      const r = await mesh(lab, h, ['peer', '--json']);
      time(`peer ${h}`, r.ms);
      expect(r.exitCode, r.stderr).toBe(0);
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
    }
    const hs = await mesh(lab, 'server', ['server', 'status', '--json']);
    expect(hs.exitCode, hs.stderr).toBe(0);
    expect(hs.json).toMatchObject({ service: 'running', healthy: true, online: 3 });
    const nodes = await mesh(lab, 'server', ['server', 'nodes', 'list', '--json']);
    expect(nodes.exitCode).toBe(0);
    expect((nodes.json as { nodes: unknown[] }).nodes).toHaveLength(3);
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
      expect(r.json, `${host} ${args.join(' ')}`).toMatchObject({ changed: false });
    }
  }, 400_000);

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

    // The server's Syncthing sees it knocking (pending) ...
    const gui = await server.forward(8384);
    const apiKey = await syncthingApiKey(server);
    const get = async (p: string) =>
      JSON.parse((await socketGet(gui, p, { headers: { 'X-API-Key': apiKey } })).body) as unknown;
    await until(
      'outsider pending on the server',
      async () => {
        const pending = (await get('/rest/cluster/pending/devices')) as Record<string, unknown>;
        return outsiderId in pending ? true : undefined;
      },
      120_000,
    );

    // ... and `mesh peer` refuses it: not a tailnet address, so not a mesh member.
    const r = await mesh(lab, 'server', ['peer', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = r.json as { refused: Array<{ deviceId: string; reason: string }> };
    expect(doc.refused.map((x) => x.deviceId)).toContain(outsiderId);
    const devices = (await get('/rest/config/devices')) as Array<{ deviceID: string }>;
    expect(devices.map((d) => d.deviceID)).not.toContain(outsiderId);
    const human = await mesh(lab, 'server', ['peer']);
    expect(human.stdout + human.stderr).not.toContain(`Added outside`);
  }, 300_000);

  it('Syncthing stopped: mesh peer fails with exit 7, mesh status with 3', async () => {
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
    expect((status.json as { healthy: boolean }).healthy).toBe(false);
    // Setup again brings it back.
    const again = await mesh(lab, 'windows', [
      'client',
      'setup',
      '--server',
      SERVER_URL,
      '--key-file',
      keyFile,
      '--json',
    ]);
    expect(again.exitCode, again.stderr).toBe(0);
    const healthy = await mesh(lab, 'windows', ['status', '--json']);
    expect(healthy.exitCode).toBe(0);
  }, 300_000);
});

async function readServerDeviceId(): Promise<string> {
  const r = await mesh(lab, 'server', ['status', '--json', '--verbose']);
  const id = (r.json as { syncthing: { deviceId?: string } }).syncthing.deviceId;
  if (!id) throw new Error('server has no device ID');
  return id;
}
