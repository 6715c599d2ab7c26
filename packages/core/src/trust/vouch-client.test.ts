import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { askVouch } from './vouch-client.js';

// A real device ID (valid check digits), as Syncthing prints it.
const ID = 'MFZWI3D-BONSGYC-YLTMRWG-C43ENR5-QXGZDMM-FZWI3DP-BONSGYY-LTMRWAD';
const node = { hostname: 'wsl', ip: '127.0.0.1', nodeId: '7' };

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

let asked: string | undefined;

/** A stand-in agent on loopback that answers `body` with `status`. */
async function agent(status: number, body: unknown): Promise<number> {
  server = createServer((req, res) => {
    asked = req.headers['x-mesh-device'] as string | undefined;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  const s = server;
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as AddressInfo).port;
}

const good = {
  mesh: 1,
  node: { id: '7', name: 'wsl' },
  ips: ['127.0.0.1', 'fd7a:115c:a1e0::7'],
  syncthing: { deviceId: ID.toLowerCase(), port: 22001 },
};

describe('askVouch', () => {
  it('returns the vouched device, canonical, bound to the node asked', async () => {
    const port = await agent(200, good);
    expect(await askVouch(node, { port })).toEqual({
      ok: true,
      device: { ...node, deviceId: ID, port: 22001 },
    });
  });

  it('names the asking device when told to, and passes on whether the node knows it', async () => {
    const port = await agent(200, { ...good, knows: false });
    const r = await askVouch(node, { port, asker: ID });
    expect(asked).toBe(ID);
    expect(r).toMatchObject({ ok: true, device: { deviceId: ID, knowsUs: false } });
  });

  it.each([
    ['an answer for another node', { ...good, node: { id: '8', name: 'wsl' } }, /node 8, not 7/],
    ['an answer without the address asked', { ...good, ips: ['100.64.0.9'] }, /does not hold/],
    [
      'a malformed device ID',
      { ...good, syncthing: { deviceId: 'NOPE', port: 22001 } },
      /malformed device ID/,
    ],
    ['something that is not a vouch', { hello: 'world' }, /not a vouch/],
  ])('refuses %s', async (_what, body, reason) => {
    const port = await agent(200, body);
    const r = await askVouch(node, { port });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it("passes on the agent's own refusal", async () => {
    const port = await agent(503, { error: 'Syncthing is not set up on this node' });
    const r = await askVouch(node, { port });
    expect(r).toMatchObject({ ok: false, reason: /not set up/ });
  });

  it('reports a node with no agent, within the timeout', async () => {
    const port = await agent(200, good);
    await new Promise<void>((r) => server?.close(() => r()));
    server = undefined;
    const r = await askVouch(node, { port, timeout: 1000 });
    expect(r).toMatchObject({ ok: false, reason: /did not answer/ });
  });
});
