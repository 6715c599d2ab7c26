import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { renderHeadscaleConfig } from '@mesh/headscale';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeMachine, fakeMachine } from '../../../test/fake-machine.js';
import { put } from '../../../test/put.js';
import type { MeshContext } from '../../context.js';
import { guiOnLoopback, parseEnvFile, securitySection, tailscaledLogs } from './security.js';

let m: FakeMachine;
let ctx: MeshContext;
let proc: string;

beforeEach(async () => {
  m = await fakeMachine('server', 'hub');
  ctx = await m.context();
  proc = path.join(m.root, 'proc');
  await mkdir(proc, { recursive: true });
});
afterEach(async () => {
  await m.remove();
});

/** A process in the fake process table (`environ` undefined: not readable by this user). */
async function processEntry(
  pid: number,
  comm: string,
  argv: string[],
  environ?: string[],
): Promise<void> {
  const dir = path.join(proc, String(pid));
  await put(path.join(dir, 'comm'), `${comm}\n`, 0o644);
  await put(path.join(dir, 'cmdline'), `${argv.join('\0')}\0`, 0o644);
  if (environ) await put(path.join(dir, 'environ'), `${environ.join('\0')}\0`, 0o400);
}

const guiXml = (address: string) =>
  `<configuration version="37">\n    <gui enabled="true" tls="false">\n        <address>${address}</address>\n        <apikey>k3y</apikey>\n    </gui>\n    <options></options>\n</configuration>\n`;

/** Headscale's config as `mesh server setup` writes it, hardened or not. */
async function headscaleConfig(o: { policyPath?: string; taildrop?: boolean } = {}) {
  await put(
    ctx.paths.headscale.configPath,
    renderHeadscaleConfig({
      serverUrl: 'http://10.0.0.1:8080',
      listenAddr: '10.0.0.1:8080',
      stateDir: ctx.paths.headscale.stateDir,
      socketPath: ctx.paths.headscale.socketPath,
      ...o,
    }),
    0o640,
  );
}

const lines = async () =>
  (await securitySection(ctx, { proc })).checks.map((c) => `${c.level} ${c.name}: ${c.message}`);

describe('securitySection', () => {
  it("a server as setup leaves it: no policy, Taildrop on, mesh's own tailscaled, keys 0600", async () => {
    await headscaleConfig();
    await processEntry(4242, 'tailscaled', [
      '/usr/sbin/tailscaled',
      `--socket=${ctx.paths.tailscale.socketPath}`,
      '--no-logs-no-support',
    ]);
    await put(path.join(ctx.paths.syncthingHome, 'config.xml'), guiXml('127.0.0.1:8384'));
    await put(path.join(ctx.paths.syncthingHome, 'key.pem'), 'KEY');
    await put(ctx.paths.apiKeyFile, 'hskey-api-x\n');
    expect(await lines()).toEqual([
      'warn policy: No ACL policy file (policy.mode: database): unless one was stored over the API, every node may open any port on every other; mesh harden server writes one',
      `warn headscale-config: ${ctx.paths.headscale.configPath} is not hardened: taildrop.enabled is unset; mesh harden server sets them`,
      'ok tailscaled-logs: tailscaled uploads no logs (pid 4242 runs with --no-logs-no-support)',
      "ok syncthing-gui: Syncthing's GUI answers this machine only (127.0.0.1:8384)",
      'ok key-files: Key files: 3, each readable by its owner only',
    ]);
  });

  it('a hardened server: the policy in force, every setting there', async () => {
    const policy = path.join(path.dirname(ctx.paths.headscale.configPath), 'policy.hujson');
    await headscaleConfig({ policyPath: policy, taildrop: false });
    await put(policy, '{}', 0o640);
    const checks = (await securitySection(ctx, { proc })).checks;
    expect(checks.filter((c) => c.level !== 'ok')).toEqual([]);
    expect(checks.map((c) => c.message)).toEqual([
      `ACL policy: ${policy}`,
      `${ctx.paths.headscale.configPath} has the hardened settings`,
    ]);
  });

  it('fails a policy file the config names and that is gone: Headscale would not start', async () => {
    const policy = path.join(path.dirname(ctx.paths.headscale.configPath), 'policy.hujson');
    await headscaleConfig({ policyPath: policy, taildrop: false });
    const [check] = (await securitySection(ctx, { proc })).checks;
    expect(check).toMatchObject({
      section: 'security',
      name: 'policy',
      level: 'fail',
      fix: 'mesh harden server (writes it)',
    });
  });

  it('fails a secret every user may read, warns one its group may', async () => {
    await put(ctx.paths.apiKeyFile, 'hskey-api-x\n', 0o644);
    const joinKey = path.join(ctx.paths.stateDir, 'keys', 'preauth-3.key');
    await put(joinKey, 'hskey-auth-x\n', 0o640);
    const checks = (await securitySection(ctx, { proc })).checks;
    expect(checks).toEqual([
      {
        section: 'security',
        name: 'key-files',
        level: 'fail',
        message: `${ctx.paths.apiKeyFile}, the Headscale API key, is readable by every user (mode 0644)`,
        fix: `chmod 600 ${ctx.paths.apiKeyFile} (or mesh harden server)`,
      },
      {
        section: 'security',
        name: 'key-files',
        level: 'warn',
        message: `${joinKey}, a saved join key, is open to its group (mode 0640; 0600 expected)`,
        fix: `chmod 600 ${joinKey} (or mesh harden server)`,
      },
    ]);
  });

  it('warns a GUI other machines reach', async () => {
    await put(path.join(ctx.paths.syncthingHome, 'config.xml'), guiXml('0.0.0.0:8384'));
    expect(await lines()).toEqual([
      "warn syncthing-gui: Syncthing's GUI listens on 0.0.0.0:8384, where other machines reach it: mesh harden client binds it to 127.0.0.1",
      'ok key-files: Key files: 1, each readable by its owner only',
    ]);
  });

  it('on a client there is no server part, and nothing at all is no check at all', async () => {
    await m.remove();
    m = await fakeMachine('wsl2', 'pc');
    ctx = await m.context();
    expect(await lines()).toEqual([]);
  });
});

describe('tailscaledLogs', () => {
  const sock = () => `--socket=${ctx.paths.tailscale.socketPath}`;

  it('reads the environment of the daemon that serves this socket, not of another', async () => {
    await processEntry(10, 'tailscaled', [
      'tailscaled',
      '--socket=/elsewhere.sock',
      '--no-logs-no-support',
    ]);
    await processEntry(
      11,
      'tailscaled-v1.1',
      ['/bin/tailscaled-v1.102', sock()],
      ['TS_NO_LOGS_NO_SUPPORT=1'],
    );
    await processEntry(12, 'sshd', ['sshd', sock(), '--no-logs-no-support']);
    expect(await tailscaledLogs(ctx, { proc })).toEqual({
      state: 'off',
      evidence: 'pid 11 has TS_NO_LOGS_NO_SUPPORT=true',
    });
  });

  it("is on for a daemon with neither the flag nor the variable (Tailscale's package as installed)", async () => {
    await processEntry(
      20,
      'tailscaled',
      ['tailscaled', '-socket', ctx.paths.tailscale.socketPath, '--port=41641'],
      ['PORT=41641', 'FLAGS='],
    );
    expect(await tailscaledLogs(ctx, { proc })).toEqual({
      state: 'on',
      evidence: 'pid 20 has neither --no-logs-no-support nor TS_NO_LOGS_NO_SUPPORT=true',
    });
  });

  it('reads the environment file when the environment is not readable', async () => {
    await processEntry(30, 'tailscaled', ['tailscaled', sock()]);
    const file = path.join(m.root, 'etc/default/tailscaled');
    await put(file, 'PORT="41641"\nFLAGS=""\n', 0o644);
    expect((await tailscaledLogs(ctx, { proc })).state).toBe('on');
    await put(file, 'PORT="41641"\nFLAGS=""\nTS_NO_LOGS_NO_SUPPORT="true"\n', 0o644);
    expect(await tailscaledLogs(ctx, { proc })).toEqual({
      state: 'off',
      evidence: `set in ${file}`,
    });
    await put(file, '# TS_NO_LOGS_NO_SUPPORT=true\nFLAGS="--no-logs-no-support"\n', 0o644);
    expect((await tailscaledLogs(ctx, { proc })).state).toBe('off');
  });

  it("reads mesh's own service when no daemon runs, and knows nothing without one", async () => {
    expect(await tailscaledLogs(ctx, { proc })).toEqual({
      state: 'unknown',
      evidence: 'no tailscaled here',
    });
    const run = path.join(ctx.paths.stateDir, 'services', 'mesh-tailscaled.run');
    await put(run, "program() {\n  exec '/usr/sbin/tailscaled' '--no-logs-no-support'\n}\n");
    expect(await tailscaledLogs(ctx, { proc })).toEqual({
      state: 'off',
      evidence: `set in ${run}`,
    });
  });
});

describe('guiOnLoopback and parseEnvFile', () => {
  it.each([
    ['127.0.0.1:8384', true],
    ['127.0.0.2:8384', true],
    ['[::1]:8384', true],
    ['localhost:8384', true],
    ['https://127.0.0.1:8384/', true],
    ['unix:///run/syncthing.sock', true],
    ['0.0.0.0:8384', false],
    [':8384', false],
    ['[::]:8384', false],
    ['192.168.1.5:8384', false],
    ['http://10.0.0.1:8384', false],
  ])('%s on loopback: %s', (address, loopback) => {
    expect(guiOnLoopback(address)).toBe(loopback);
  });

  it('reads KEY=VALUE lines as systemd does: comments skipped, quotes removed', () => {
    expect(parseEnvFile('# c\nPORT="41641"\r\nexport A=\'1\'\nFLAGS=\nnot a line\n')).toEqual({
      PORT: '41641',
      A: '1',
      FLAGS: '',
    });
  });
});
