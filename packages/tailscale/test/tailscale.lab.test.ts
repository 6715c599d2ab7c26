import { describeLab, Lab } from '@mesh/lab';
import { until } from '@mesh/test-utils';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TailscaleCli } from '../src/cli.js';
import {
  TailscaleAuthKeyError,
  TailscaleControlUnreachableError,
  TailscaleTimeoutError,
} from '../src/errors.js';
import { join } from '../src/join.js';
import { backendStateName } from '../src/schemas/notify.js';
import { findPeer, toTailnetStatus } from '../src/status-model.js';
import { startNode, type TestNode } from './helpers/lab-nodes.js';
import { scanCmdlines } from './helpers/proc-scan.js';

// Real headscale v0.29.2 + tailscaled v1.98.10 in network namespaces (no route out).
describeLab('@mesh/tailscale against a real lab', () => {
  let lab: Lab;
  let a: TestNode;
  let b: TestNode;
  let userId = 0;

  /** A pre-auth key and its id, straight from the lab's headscale (never in argv). */
  async function createKey(o: { reusable?: boolean } = {}): Promise<{ id: string; key: string }> {
    const args = ['preauthkeys', 'create', '-u', String(userId), '-e', '1h', '-o', 'json'];
    if (o.reusable) args.push('--reusable');
    const r = await lab.headscale.cli(args);
    expect(r.exitCode, r.stderr).toBe(0);
    const parsed = JSON.parse(r.stdout) as { id: number | string; key: string };
    return { id: String(parsed.id), key: parsed.key };
  }

  const joinOpts = (node: TestNode, authKey: string) => ({
    controlUrl: lab.headscale.url,
    authKey,
    hostname: node.host,
    acceptDns: false,
    netfilterMode: 'off' as const,
    socketPath: node.socketPath,
    // Under vitest's 20 s test timeout, so a hang shows up as our classified error.
    timeout: 15_000,
  });

  beforeAll(async () => {
    lab = await Lab.up({ hosts: ['server', 'a', 'b'], tailscale: false, log: console.log });
    userId = (await lab.headscale.createUser('ts-test')).id;
    [a, b] = await Promise.all([startNode(lab, 'a'), startNode(lab, 'b')]);
  }, 120_000);

  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await lab?.down();
  }, 60_000);

  it('rejects an invalid key with TailscaleAuthKeyError(invalid)', async () => {
    const bogus = `hskey-auth-AAAAAAAAAAAA-${'x'.repeat(64)}`;
    const err = await join(joinOpts(a, bogus)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TailscaleAuthKeyError);
    expect((err as TailscaleAuthKeyError).reason).toBe('invalid');
    expect(String((err as Error).message)).not.toContain(bogus);
  });

  it('rejects an expired key with TailscaleAuthKeyError(expired)', async () => {
    const { id, key } = await createKey();
    const r = await lab.headscale.cli(['preauthkeys', 'expire', '--id', id]);
    expect(r.exitCode, r.stderr).toBe(0);
    const err = await join(joinOpts(a, key)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TailscaleAuthKeyError);
    expect((err as TailscaleAuthKeyError).reason).toBe('expired');
  });

  it('reports a control server that does not answer as TailscaleControlUnreachableError', async () => {
    const { key } = await createKey();
    // The server host's address on a closed port: inside the lab, nothing listens there.
    const url = `http://${lab.host('server').ip}:9`;
    const err = await join({ ...joinOpts(a, key), controlUrl: url, timeout: 4_000 }).catch(
      (e: unknown) => e,
    );
    expect(err, String(err)).toBeInstanceOf(TailscaleControlUnreachableError);
    expect((err as Error).message).not.toContain(key);
  });

  it('joins b with a single-use key, then rejects that key on a as used', async () => {
    const { key } = await createKey();
    const rb = await join(joinOpts(b, key));
    expect(rb.ipv4).toMatch(/^100\./);
    const err = await join(joinOpts(a, key)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TailscaleAuthKeyError);
    expect((err as TailscaleAuthKeyError).reason).toBe('used');
  });

  it('joins a with a good key; the IPN bus shows the transitions; no argv holds the key', async () => {
    const { key } = await createKey({ reusable: true });
    const states: string[] = [];
    const ac = new AbortController();
    const watching = (async () => {
      for await (const n of a.client.watchIpnBus({ signal: ac.signal, mask: 2 })) {
        if (n.State != null) states.push(backendStateName(n.State));
      }
    })();
    const stopScan = scanCmdlines(key);
    const r = await join(joinOpts(a, key));
    const scan = await stopScan();
    await until('Running on the bus', async () => states.includes('Running') || undefined, 5_000);
    ac.abort();
    await watching;

    expect(r).toMatchObject({ changed: true, backendState: 'Running', hostname: 'a' });
    expect(r.ipv4).toMatch(/^100\./);
    expect(scan.scans).toBeGreaterThan(0);
    expect(scan.hits).toEqual([]);
    console.log(`[ts-lab] IPN bus states during join: ${states.join(' -> ')}`);
    // Registered while stopped, then started by a control client that never held the key.
    expect(states.slice(0, 1).concat(states.slice(-3))).toEqual([
      'NeedsLogin',
      'Stopped',
      'Starting',
      'Running',
    ]);

    // Joining again is a no-op with the same answer.
    const again = await join(joinOpts(a, key));
    expect(again).toEqual({ ...r, changed: false });
  });

  it('status shows the peer online; disco ping finds a direct path', async () => {
    await until(
      'b online in a’s status',
      async () => {
        const s = toTailnetStatus(await a.client.status());
        return findPeer(s, 'b')?.online === true || undefined;
      },
      20_000,
    );
    const s = toTailnetStatus(await a.client.status());
    const peer = findPeer(s, 'b');
    expect(peer?.ips[0]).toMatch(/^100\./);
    expect(findPeer(s, peer?.ips[0] ?? '')?.hostname).toBe('b');

    // A disco ping that gets no pong (path still being set up) ends in a timeout: that is
    // "not yet", so try again until a bounded deadline.
    let endpoint = '';
    const deadline = Date.now() + 30_000;
    while (!endpoint && Date.now() < deadline) {
      try {
        const p = await a.client.ping(peer?.ips[0] ?? '', { type: 'disco', timeout: 3_000 });
        endpoint = p.Endpoint ?? '';
      } catch (error) {
        if (!(error instanceof TailscaleTimeoutError)) throw error;
      }
    }
    expect(endpoint).toContain(lab.host('b').ip);
    const after = findPeer(toTailnetStatus(await a.client.status()), 'b');
    expect(after?.path).toBe('direct');

    const who = await a.client.whois(peer?.ips[0] ?? '');
    expect(who.Node?.Name).toMatch(/^b\./);
  }, 90_000);

  it('drives the CLI against the same node: status, ip, ping, version', async () => {
    const cli = new TailscaleCli({ socketPath: a.socketPath, runner: lab.host('a').runner });
    expect((await cli.status()).BackendState).toBe('Running');
    expect((await cli.ip())[0]).toMatch(/^100\./);
    const peerIp = findPeer(toTailnetStatus(await a.client.status()), 'b')?.ips[0] ?? '';
    const ping = await cli.ping(peerIp, { count: 5 });
    expect(ping.pongs.length).toBeGreaterThan(0);
    expect(ping.direct).toBe(true);
    expect((await cli.version()).short).toBe('1.98.10');
  });

  it('a node removed at the control server stays removed: the daemon no longer holds the key', async () => {
    const nodeA = async () => {
      const r = await lab.headscale.cli(['nodes', 'list', '-o', 'json']);
      expect(r.exitCode, r.stderr).toBe(0);
      return (JSON.parse(r.stdout) as Array<{ id: number | string; name: string }> | null)?.find(
        (n) => n.name === 'a',
      );
    };
    const id = (await nodeA())?.id;
    expect(id).toBeDefined();
    const r = await lab.headscale.cli(['nodes', 'delete', '-i', String(id), '--force']);
    expect(r.exitCode, r.stderr).toBe(0);
    // A login registers with the key the control client holds, if any (control lists a new node
    // a at once); with none, control answers with a URL to visit and the node waits.
    await a.client.loginInteractive();
    const outcome = await until(
      'a registered again, or waiting for a login URL',
      async () => {
        if (await nodeA()) return 'registered again';
        const s = await a.client.status({ peers: false });
        return s.AuthURL ? 'waiting for a login URL' : undefined;
      },
      10_000,
    );
    expect(outcome).toBe('waiting for a login URL');
  });

  it('logs out over the LocalAPI, then the CLI joins again with the key only in a file', async () => {
    await a.client.logout();
    await until(
      'a logged out',
      async () => {
        const s = await a.client.status({ peers: false });
        return s.BackendState === 'NeedsLogin' || undefined;
      },
      10_000,
    );
    const cli = new TailscaleCli({ socketPath: a.socketPath, runner: lab.host('a').runner });
    expect(await cli.ip()).toEqual([]);

    // Reusable on purpose: right after a logout, tailscaled 1.98 + headscale 0.29 sometimes send
    // two register requests, and the second burns a single-use key ("authkey already used").
    // Seen once in several runs; see the package README, "Known issues".
    const { key } = await createKey({ reusable: true });
    const stopScan = scanCmdlines(key);
    await cli.up({
      loginServer: lab.headscale.url,
      authKey: key,
      hostname: 'a',
      acceptDns: false,
      timeout: 15_000,
      extraArgs: ['--netfilter-mode=off'],
    });
    const scan = await stopScan();
    expect(scan.hits).toEqual([]);
    expect((await a.client.status({ peers: false })).BackendState).toBe('Running');
    await cli.logout();
  });
});
