import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeTailscale } from '../test/helpers/fake-cli.js';
import { parsePingOutput, TailscaleCli } from './cli.js';
import {
  TailscaleAuthKeyError,
  TailscaleCommandError,
  TailscaleControlUnreachableError,
  TailscaleDaemonUnreachableError,
} from './errors.js';

const KEY =
  'hskey-auth-Zyx987-abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefgh';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function fake(o: Parameters<typeof fakeTailscale>[0]) {
  const f = await fakeTailscale(o);
  cleanups.push(f.cleanup);
  const cli = new TailscaleCli({ binary: f.bin, socketPath: '/run/x/ts.sock', timeout: 5_000 });
  const argv = async () => (await readFile(join(f.dir, 'argv.log'), 'utf8')).split('---\n');
  return { ...f, cli, argv };
}

describe('TailscaleCli', () => {
  it('puts --socket before the subcommand and passes the key as a 0600 file, never in argv', async () => {
    const f = await fake({});
    await f.cli.up({
      loginServer: 'http://10.99.0.1:8080',
      authKey: KEY,
      hostname: 'wsl',
      timeout: 30_000,
    });
    const [call] = await f.argv();
    const args = (call ?? '').trim().split('\n');
    expect(args[0]).toBe('--socket=/run/x/ts.sock');
    expect(args[1]).toBe('up');
    expect(args).toContain('--login-server=http://10.99.0.1:8080');
    expect(args).toContain('--timeout=30s');
    expect(args).toContain('--hostname=wsl');
    expect(args.some((a) => a.startsWith('--auth-key=file:'))).toBe(true);
    expect(call).not.toContain(KEY);
    const key = await readFile(join(f.dir, 'key.log'), 'utf8');
    expect(key).toBe(`600\n${KEY}\n`);
    // The temp key file is gone afterwards.
    const path = args.find((a) => a.startsWith('--auth-key=file:'))?.slice(16) ?? '';
    await expect(readFile(path)).rejects.toThrow();
  });

  it('classifies "backend error" rejections as TailscaleAuthKeyError without leaking the key', async () => {
    const f = await fake({ stderr: 'backend error: authkey already used\n', exitCode: 1 });
    const err = await f.cli
      .up({ loginServer: 'http://10.99.0.1:8080', authKey: KEY })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TailscaleAuthKeyError);
    expect((err as TailscaleAuthKeyError).reason).toBe('used');
    expect(JSON.stringify(err)).not.toContain(KEY);
  });

  it('reads health after a CLI timeout to spot an unreachable control server', async () => {
    const status = JSON.stringify({
      BackendState: 'NeedsLogin',
      Health: [
        'You are logged out. The last login error was: fetch control key: Get "http://10.99.0.1:8080/key?v=138": dial tcp 10.99.0.1:8080: connect: connection refused',
      ],
    });
    const f = await fake({
      script: `case "$2" in status) echo '${status}'; exit 0;; esac`,
      stderr:
        'timeout waiting for Tailscale service to enter a Running state; check health with "tailscale status"\n',
      exitCode: 1,
    });
    const err = await f.cli
      .up({ loginServer: 'http://10.99.0.1:8080', authKey: KEY, timeout: 1_000 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TailscaleControlUnreachableError);
  });

  it('parses status --json and ip, and reports a missing daemon', async () => {
    const ok = await fake({
      stdout: JSON.stringify({ BackendState: 'Running', TailscaleIPs: ['100.64.0.9'] }),
    });
    expect((await ok.cli.status()).TailscaleIPs).toEqual(['100.64.0.9']);
    const ip = await fake({ stdout: '100.64.0.9\nfd7a:115c:a1e0::9\n' });
    expect(await ip.cli.ip()).toEqual(['100.64.0.9', 'fd7a:115c:a1e0::9']);
    const none = await fake({ stderr: 'no current Tailscale IPs; state: NeedsLogin', exitCode: 1 });
    expect(await none.cli.ip()).toEqual([]);
    const down = await fake({
      stderr: "failed to connect to local tailscaled; it doesn't appear to be running",
      exitCode: 1,
    });
    await expect(down.cli.status()).rejects.toBeInstanceOf(TailscaleDaemonUnreachableError);
    const other = await fake({ stderr: 'boom', exitCode: 1 });
    await expect(other.cli.logout()).rejects.toBeInstanceOf(TailscaleCommandError);
  });

  it('returns ping results, including "direct connection not established"', async () => {
    const f = await fake({
      stdout:
        'pong from wsl (100.64.0.2) via DERP(mesh) in 3ms\npong from wsl (100.64.0.2) via DERP(mesh) in 2ms\n',
      stderr: 'direct connection not established',
      exitCode: 1,
    });
    const r = await f.cli.ping('100.64.0.2', { count: 2 });
    expect(r).toMatchObject({ ok: false, direct: false, exitCode: 1 });
    expect(r.pongs).toHaveLength(2);
    const [args] = await f.argv();
    expect(args?.trim().split('\n')).toEqual([
      '--socket=/run/x/ts.sock',
      'ping',
      '--c=2',
      '--until-direct=true',
      '--timeout=5s',
      '100.64.0.2',
    ]);
  });

  it('reads the version', async () => {
    const f = await fake({
      stdout: '1.98.10\n  long version: 1.98.10-mesh\n  go version: go1.26.8\n',
    });
    expect(await f.cli.version()).toEqual({ short: '1.98.10', long: '1.98.10-mesh' });
  });
});

describe('parsePingOutput', () => {
  it('reads direct, DERP and peer-relay pongs with units', () => {
    expect(
      parsePingOutput(
        [
          'pong from b (100.64.0.2, 12345) via 10.99.0.2:41641 in 850µs',
          'pong from b (100.64.0.2) via DERP(mesh) in 12ms',
          'pong from b (100.64.0.2) via peer-relay(1.2.3.4:7:vni:1) in 1s',
          'ping "100.64.0.2" timed out',
        ].join('\n'),
      ).map((p) => [p.via, p.direct, p.latencyMs]),
    ).toEqual([
      ['10.99.0.2:41641', true, 0.85],
      ['DERP(mesh)', false, 12],
      ['peer-relay(1.2.3.4:7:vni:1)', false, 1000],
    ]);
  });
});
