/**
 * Node management against real tailscaled nodes in the lab's network namespaces (contract 3).
 * `describeLab` skips loudly without root/namespaces, or fails under MESH_REQUIRE_LAB=1.
 */
// Relative import: @mesh/lab is a private tooling package, not a dependency of this library.

import { describeLab, Lab } from '@mesh/lab';
import { until } from '@mesh/test-utils';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { HeadscaleClient } from '../src/index.js';
import { must } from './must.js';

const statusSchema = z.object({
  BackendState: z.string(),
  Self: z.object({ HostName: z.string(), DNSName: z.string().optional() }).passthrough().optional(),
  Peer: z.record(z.string(), z.object({ HostName: z.string() }).passthrough()).nullish(),
});

/** How long a node change may take to show in a node's `tailscale status`. */
const WAIT_MS = 30_000;

describeLab('headscale nodes in the lab', () => {
  let lab: Lab;
  let rest: HeadscaleClient;
  let cli: HeadscaleClient;

  async function status(host: string) {
    const r = await lab.tailscaled(host).cli(['status', '--json']);
    return statusSchema.parse(JSON.parse(r.stdout));
  }

  beforeAll(async () => {
    lab = await Lab.up({ hosts: ['server', 'wsl', 'windows'], tailscale: true });
    const hs = lab.headscale;
    cli = new HeadscaleClient({
      cli: { binary: hs.binary, configPath: hs.configPath, runner: lab.host(hs.host).runner },
    });
    const { key } = await cli.apiKeys.create();
    // REST reaches the namespace through the forwarded unix socket.
    rest = new HeadscaleClient({ rest: { url: hs.url, apiKey: key, dispatcher: hs.dispatcher } });
  }, 180_000);

  afterAll(async () => {
    await lab?.down();
  }, 60_000);

  it('lists every joined node over REST and CLI', async () => {
    const nodes = await rest.nodes.list();
    expect(nodes.map((n) => n.name).sort()).toEqual(['server', 'windows', 'wsl']);
    expect((await cli.nodes.list()).map((n) => n.id).sort()).toEqual(nodes.map((n) => n.id).sort());
  });

  it('rename is reflected in the node’s tailscale status', async () => {
    const node = must(
      (await rest.nodes.list()).find((n) => n.name === 'wsl'),
      'node wsl',
    );
    await rest.nodes.rename(node.id, 'wsl-renamed');
    await until(
      'renamed',
      async () =>
        ((await status('wsl')).Self?.DNSName ?? '').startsWith('wsl-renamed.') || undefined,
      WAIT_MS,
    );
  });

  it('expire logs the node out', async () => {
    const node = must(
      (await rest.nodes.list()).find((n) => n.name === 'windows'),
      'node windows',
    );
    await cli.nodes.expire(node.id);
    await until(
      'NeedsLogin',
      async () => (await status('windows')).BackendState === 'NeedsLogin' || undefined,
      WAIT_MS,
    );
  });

  it('delete removes the node', async () => {
    const node = must(
      (await rest.nodes.list()).find((n) => n.name === 'wsl'),
      'node wsl',
    );
    await rest.nodes.delete(node.id);
    expect((await rest.nodes.list()).some((n) => n.id === node.id)).toBe(false);
    // Peers learn about the removal at once; the deleted node itself only on its next map poll.
    await until(
      'gone from the server’s peers',
      async () =>
        Object.values((await status('server')).Peer ?? {}).every((p) => p.HostName !== 'wsl') ||
        undefined,
      WAIT_MS,
    );
  });
});
