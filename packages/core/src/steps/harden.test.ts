import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  renderHeadscaleConfig,
  renderHeadscalePolicy,
  SELF_HOSTED_NODE_ATTRS,
} from '@mesh/headscale';
import { createRunner, type Runner, type RunResult } from '@mesh/platform';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeMachine, fakeMachine, meshFailure } from '../../test/fake-machine.js';
import { put } from '../../test/put.js';
import { createMeshContext, type MeshContext } from '../context.js';
import {
  hardenClient,
  hardenServer,
  MESH_TCP_PORTS,
  withEnvVars,
  withGuiAddress,
} from './harden.js';

let m: FakeMachine;

afterEach(async () => {
  await m.remove();
});

/** Every file under the machine with its content and mode: to show what a run changed. */
async function files(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const rel of await m.tree()) {
    const p = path.join(m.root, rel);
    const s = await stat(p);
    if (s.isFile()) out[rel] = `${(s.mode & 0o777).toString(8)} ${await readFile(p, 'utf8')}`;
  }
  return out;
}

/**
 * Answers `headscale policy check` with `answer` and `headscale version` with `version`; every
 * other program "is not installed".
 */
function policyRunner(
  answer: Partial<RunResult> = {},
  version = '0.28.0',
): Runner & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    prefix: [],
    calls,
    async run(file, args) {
      calls.push([file, ...args]);
      if (args.includes('version')) {
        const stdout = JSON.stringify({ version: `v${version}`, commit: 'unknown' });
        return { command: file, exitCode: 0, stdout, stderr: '', timedOut: false };
      }
      const check = args.includes('policy') && args.includes('check');
      return {
        command: [file, ...args].join(' '),
        exitCode: check ? 0 : 127,
        stdout: check ? 'Policy is valid\n' : '',
        stderr: check ? '' : 'unit tests run no programs',
        timedOut: false,
        ...(check ? answer : {}),
      };
    },
  };
}

describe('hardenServer', () => {
  let ctx: MeshContext;
  let runner: ReturnType<typeof policyRunner>;
  let configPath: string;
  let policyPath: string;
  const setup = (c: MeshContext) => ({
    serverUrl: 'http://10.0.0.1:8080',
    listenAddr: '10.0.0.1:8080',
    stateDir: c.paths.headscale.stateDir,
    socketPath: c.paths.headscale.socketPath,
  });

  beforeEach(async () => {
    m = await fakeMachine('server', 'hub');
    runner = policyRunner();
    ctx = await createMeshContext({ env: m.env, cwd: path.join(m.home, 'work'), runner });
    configPath = ctx.paths.headscale.configPath;
    policyPath = path.join(path.dirname(configPath), 'policy.hujson');
    // What `mesh server setup` wrote.
    await put(configPath, renderHeadscaleConfig(setup(ctx)), 0o640);
  });

  it('writes the policy, points the config at it (backup kept), and tells what it did', async () => {
    const r = await hardenServer(ctx);
    expect(r).toEqual({
      side: 'server',
      dryRun: false,
      changed: true,
      changes: [
        `wrote the ACL policy ${policyPath}: members (mesh) reach each other on TCP 22, 874, 2222, 22000, 22001, 22002 and by ping, nothing else`,
        'set policy.mode: "database" -> "file" (the ACL policy comes from a file: connections it does not allow are refused)',
        `set policy.path: "" -> "${policyPath}" (the mesh policy file)`,
        'set taildrop.enabled: (unset) -> false (files move through the synced folder only: Taildrop, a second way between nodes, is off (0.28+))',
      ],
      notes: [
        'Headscale is not running: the tags of its keys and nodes are not looked up (give them with --tags)',
        'Headscale is not running: it reads the hardened files when it starts (mesh doctor --fix)',
      ],
      backups: [`${configPath}.mesh-bak`],
      policy: { path: policyPath, tags: [] },
    });
    expect(await readFile(policyPath, 'utf8')).toBe(
      renderHeadscalePolicy({ user: 'mesh', tcpPorts: MESH_TCP_PORTS }),
    );
    expect((await stat(policyPath)).mode & 0o777).toBe(0o640);
    // The same bytes setup writes for a hardened server: setup run again rewrites nothing.
    expect(await readFile(configPath, 'utf8')).toBe(
      renderHeadscaleConfig({ ...setup(ctx), policyPath, taildrop: false }),
    );
    expect(await readFile(`${configPath}.mesh-bak`, 'utf8')).toBe(
      renderHeadscaleConfig(setup(ctx)),
    );
    // Headscale checked the policy before it went in place.
    expect(runner.calls.filter((c) => c.includes('policy'))).toEqual([
      [
        expect.stringMatching(/headscale$/),
        'policy',
        'check',
        '-f',
        expect.stringMatching(/mesh-policy-.*\/policy\.hujson$/),
      ],
    ]);
  });

  it('a second run changes nothing, not a byte nor a mode', async () => {
    await hardenServer(ctx);
    const before = await files();
    const r = await hardenServer(ctx);
    expect(r.changed).toBe(false);
    expect(r.changes).toEqual([]);
    expect(r.backups).toEqual([]);
    expect(await files()).toEqual(before);
  });

  it('--dry-run says what would change and changes nothing', async () => {
    const before = await files();
    const r = await hardenServer(ctx, { dryRun: true });
    expect(r.dryRun).toBe(true);
    expect(r.changes[0]).toMatch(/^would write the ACL policy /);
    expect(r.changes.slice(1).every((c) => c.startsWith('would set '))).toBe(true);
    expect(r.backups).toEqual([]);
    expect(await files()).toEqual(before);
  });

  it('lets in the tags given, and keeps them when run again without', async () => {
    const first = await hardenServer(ctx, { tags: 'ci,tag:lab' });
    expect(first.policy?.tags).toEqual(['tag:ci', 'tag:lab']);
    const policy = await readFile(policyPath, 'utf8');
    expect(policy).toContain('"tag:ci": ["mesh@"]');
    const again = await hardenServer(ctx);
    expect(again.changed).toBe(false);
    expect(again.policy?.tags).toEqual(['tag:ci', 'tag:lab']);
    expect(await readFile(policyPath, 'utf8')).toBe(policy);
  });

  it("leaves a person's own policy alone, and does not switch on one Headscale does not read", async () => {
    await put(policyPath, '{ "acls": [] }\n', 0o640);
    const r = await hardenServer(ctx);
    expect(r.notes[0]).toBe(
      `${policyPath} is a policy mesh did not write, and Headscale does not read it: left as it is (move it aside for mesh to write its own)`,
    );
    expect(await readFile(policyPath, 'utf8')).toBe('{ "acls": [] }\n');
    expect(r.changes.some((c) => c.includes('policy.'))).toBe(false);
    expect(r.policy).toBeUndefined();
  });

  it('with Headscale 0.29, gives every node the attributes of a self-hosted tailnet', async () => {
    runner = policyRunner({}, '0.29.2');
    ctx = await createMeshContext({ env: m.env, cwd: path.join(m.home, 'work'), runner });
    expect((await hardenServer(ctx)).changed).toBe(true);
    expect(await readFile(policyPath, 'utf8')).toBe(
      renderHeadscalePolicy({
        user: 'mesh',
        tcpPorts: MESH_TCP_PORTS,
        nodeAttrs: SELF_HOSTED_NODE_ATTRS,
      }),
    );
    expect((await hardenServer(ctx)).changed).toBe(false);
  });

  it('puts nothing in place when Headscale rejects the policy', async () => {
    runner = policyRunner({
      exitCode: 1,
      stdout: '',
      stderr: 'Error parsing the policy file: bad\n',
    });
    ctx = await createMeshContext({ env: m.env, cwd: path.join(m.home, 'work'), runner });
    const before = await files();
    const e = await meshFailure(hardenServer(ctx), 'badInput');
    expect(e.message).toMatch(
      /Headscale rejects the policy in .*: Error parsing the policy file: bad/,
    );
    expect(await files()).toEqual(before);
  });

  it('makes the API key its owner’s alone', async () => {
    await put(ctx.paths.apiKeyFile, 'hskey-api-x\n', 0o644);
    const r = await hardenServer(ctx);
    expect(r.changes).toContain(
      `made ${ctx.paths.apiKeyFile} (the Headscale API key) its owner's alone: mode 0644 -> 0600`,
    );
    expect((await stat(ctx.paths.apiKeyFile)).mode & 0o777).toBe(0o600);
  });

  // Headscale itself checks what harden writes, where this machine has it (0.26-0.28 need no server).
  const real = '/var/cache/mesh/bin/headscale-v0.28';
  it.skipIf(!existsSync(real))('the policy passes the check of a real Headscale 0.28', async () => {
    ctx = await createMeshContext({
      env: { ...m.env, MESH_HEADSCALE_BIN: real },
      cwd: path.join(m.home, 'work'),
      runner: createRunner(),
    });
    const r = await hardenServer(ctx, { tags: 'ci' });
    expect(r.notes.filter((n) => n.includes('not checked'))).toEqual([]);
    expect(await readFile(policyPath, 'utf8')).toContain('"tag:ci": ["mesh@"]');
  });

  it('refuses to run on a client, and before setup', async () => {
    const client = await createMeshContext({ env: { ...m.env, MESH_ROLE: 'wsl2' }, runner });
    await meshFailure(hardenServer(client), 'badInput');
    await put(configPath, 'not: [yaml\n');
    await meshFailure(hardenServer(ctx), 'badInput');
    await meshFailure(hardenServer(ctx, { tags: 'bad tag' }), 'badInput');
  });
});

describe('hardenClient', () => {
  let ctx: MeshContext;
  const xml = (address: string) =>
    `<configuration version="37">\n    <gui enabled="true" tls="false" debugging="false">\n        <address>${address}</address>\n        <apikey>k3y</apikey>\n    </gui>\n    <options>\n        <listenAddress>tcp://0.0.0.0:22001</listenAddress>\n    </options>\n</configuration>\n`;

  beforeEach(async () => {
    m = await fakeMachine('wsl2', 'pc');
    ctx = await m.context();
  });

  it("sets the no-log environment of Tailscale's own tailscaled, keeping its lines", async () => {
    const envFile = path.join(m.root, 'etc/default/tailscaled');
    const original =
      '# Set the port to listen on for incoming VPN packets.\nPORT="41641"\n\nFLAGS=""\n';
    await put(envFile, original, 0o644);
    const r = await hardenClient(ctx);
    expect(r.changes).toEqual([
      `set TS_NO_LOGS_NO_SUPPORT=true TS_PANIC_IF_HIT_MAIN_CONTROL=1 TS_DISABLE_PORTMAPPER=1 in ${envFile} (no log upload to Tailscale)`,
    ]);
    expect(await readFile(envFile, 'utf8')).toBe(
      `${original}# Set by mesh harden client: nothing goes to Tailscale\nTS_NO_LOGS_NO_SUPPORT=true\nTS_PANIC_IF_HIT_MAIN_CONTROL=1\nTS_DISABLE_PORTMAPPER=1\n`,
    );
    expect(r.backups).toEqual([`${envFile}.mesh-bak`]);
    expect((await hardenClient(ctx)).changed).toBe(false);
  });

  it('writes no environment file where nothing would read it', async () => {
    const r = await hardenClient(ctx);
    expect(r.changed).toBe(false);
    expect(r.notes[0]).toMatch(
      /^Tailscale's own tailscaled service is not installed, so nothing reads /,
    );
    expect(existsSync(path.join(m.root, 'etc/default/tailscaled'))).toBe(false);
  });

  it("binds Syncthing's GUI to loopback in config.xml while Syncthing is stopped", async () => {
    const config = path.join(ctx.paths.syncthingHome, 'config.xml');
    await put(config, xml('0.0.0.0:8385'));
    const dry = await hardenClient(ctx, { dryRun: true });
    expect(dry.changes).toContain(
      "would bind Syncthing's GUI to 127.0.0.1:8385 (it listened on 0.0.0.0:8385, where other machines reach it)",
    );
    expect(await readFile(config, 'utf8')).toBe(xml('0.0.0.0:8385'));
    const r = await hardenClient(ctx);
    expect(r.changes).toContain(
      "bound Syncthing's GUI to 127.0.0.1:8385 (it listened on 0.0.0.0:8385, where other machines reach it)",
    );
    expect(await readFile(config, 'utf8')).toBe(xml('127.0.0.1:8385'));
    expect(await readFile(`${config}.mesh-bak`, 'utf8')).toBe(xml('0.0.0.0:8385'));
    expect((await hardenClient(ctx)).changed).toBe(false);
  });

  it("makes Syncthing's private key its owner's alone", async () => {
    const key = path.join(ctx.paths.syncthingHome, 'key.pem');
    await put(key, 'KEY', 0o644);
    await put(path.join(ctx.paths.syncthingHome, 'config.xml'), xml('127.0.0.1:8385'));
    const r = await hardenClient(ctx);
    expect(r.changes).toEqual([
      `made ${key} (Syncthing's private key) its owner's alone: mode 0644 -> 0600`,
    ]);
    expect((await stat(key)).mode & 0o777).toBe(0o600);
  });
});

describe('withEnvVars and withGuiAddress', () => {
  it('sets a value where the key is, adds the others, keeps line ends', () => {
    expect(
      withEnvVars('A=1\r\nTS_NO_LOGS_NO_SUPPORT=false\r\n', {
        TS_NO_LOGS_NO_SUPPORT: 'true',
        B: '2',
      }),
    ).toBe(
      'A=1\r\nTS_NO_LOGS_NO_SUPPORT=true\r\n# Set by mesh harden client: nothing goes to Tailscale\r\nB=2\r\n',
    );
    expect(withEnvVars('X="true"\n', { X: 'true' })).toBe('X="true"\n');
    expect(withEnvVars('', { X: '1' })).toBe(
      '# Set by mesh harden client: nothing goes to Tailscale\nX=1\n',
    );
  });

  it('sets the GUI address only, not another <address>', () => {
    const xml =
      '<configuration>\n<device id="A"><address>dynamic</address></device>\n<gui tls="false"><address>0.0.0.0:8384</address></gui>\n</configuration>\n';
    expect(withGuiAddress(xml, '127.0.0.1:8384')).toBe(
      xml.replace('<address>0.0.0.0:8384</address>', '<address>127.0.0.1:8384</address>'),
    );
    expect(withGuiAddress('<gui></gui><x><address>a</address></x>', 'b')).toBeUndefined();
  });
});
