import { describe, expect, it } from 'vitest';
import { must } from '../../test/must.js';
import { cliList, cliNode, cliPreAuthKey, cliUser } from './cli.js';
import { restNodes, restPreAuthKeyEnvelope, restUser, restUsers } from './rest.js';

// Captured from headscale 0.29.2 (`nodes list -o json` and GET /api/v1/node) for the same node.
const cliOut = [
  {
    id: 1,
    machine_key: 'mkey:f6',
    node_key: 'nodekey:f4',
    disco_key: 'discokey:e3',
    ip_addresses: ['100.64.0.1', 'fd7a:115c:a1e0::1'],
    name: 'probe',
    user: { id: 1, name: 'alice', created_at: { seconds: 1795700272, nanos: 733288392 } },
    last_seen: { seconds: 1795700319, nanos: 43036708 },
    created_at: { seconds: 1795700316, nanos: 993386333 },
    register_method: 1,
    given_name: 'probe',
    online: true,
  },
];
const restOut = {
  nodes: [
    {
      id: '1',
      machineKey: 'mkey:f6',
      nodeKey: 'nodekey:f4',
      discoKey: 'discokey:e3',
      ipAddresses: ['100.64.0.1', 'fd7a:115c:a1e0::1'],
      name: 'probe',
      user: {
        id: '1',
        name: 'alice',
        createdAt: '2026-11-26T13:37:52.733288392Z',
        displayName: '',
        email: '',
        providerId: '',
        provider: '',
        profilePicUrl: '',
      },
      lastSeen: '2026-11-26T13:38:39.043036708Z',
      expiry: null,
      preAuthKey: null,
      createdAt: '2026-11-26T13:38:36.993386333Z',
      registerMethod: 'REGISTER_METHOD_AUTH_KEY',
      givenName: 'probe',
      online: true,
      approvedRoutes: [],
      availableRoutes: [],
      subnetRoutes: [],
      tags: [],
    },
  ],
};

describe('wire schemas', () => {
  it('map the CLI and REST formats of one node to the same domain object', () => {
    const fromCli = cliList(cliNode).parse(cliOut);
    const fromRest = restNodes.parse(restOut);
    expect(fromCli).toEqual(fromRest);
    expect(fromRest[0]).toMatchObject({
      id: '1',
      registerMethod: 'authKey',
      user: { id: '1', name: 'alice' },
    });
    expect(must(fromRest[0], 'node').expiry).toBeUndefined();
  });
  it('maps 0.27 forced/valid tags to flat tags', () => {
    const n = cliNode.parse({
      ...cliOut[0],
      forced_tags: ['tag:a'],
      valid_tags: ['tag:a', 'tag:b'],
    });
    expect(n.tags).toEqual(['tag:a', 'tag:b']);
  });
  it('treats Go zero time as unset and keeps omitted booleans false', () => {
    const k = cliPreAuthKey.parse({ id: 2, key: 'k', expiration: { seconds: -62135596800 } });
    expect(k).toEqual({
      id: '2',
      key: 'k',
      reusable: false,
      ephemeral: false,
      used: false,
      aclTags: [],
    });
    const r = restPreAuthKeyEnvelope.parse({
      preAuthKey: { id: '2', key: 'k', expiration: '0001-01-01T00:00:00Z', aclTags: [] },
    });
    expect(r).toEqual(k);
  });
  it('rejects answers of the wrong shape', () => {
    expect(restNodes.safeParse({ nodes: [{ name: 1 }] }).success).toBe(false);
  });
  describe('a user without a name', () => {
    // The CLI omits an empty name; REST sends "".
    it('is rejected from the CLI, alone or as a node owner', () => {
      const alone = cliUser.safeParse({ id: 3, created_at: { seconds: 1795700272 } });
      expect(alone.success).toBe(false);
      expect(alone.error?.issues).toMatchObject([
        { path: ['name'], message: 'a user needs a name' },
      ]);
      expect(cliUser.safeParse({ id: 3, name: '' }).success).toBe(false);
      const node = cliList(cliNode).safeParse([{ ...cliOut[0], user: { id: 1 } }]);
      expect(node.success).toBe(false);
      expect(node.error?.issues[0]?.path).toEqual([0, 'user', 'name']);
    });
    it('is rejected from REST, alone, in a list or as a node owner', () => {
      const alone = restUser.safeParse({ id: '3', name: '', email: 'a@example.com' });
      expect(alone.success).toBe(false);
      expect(alone.error?.issues).toMatchObject([
        { path: ['name'], message: 'a user needs a name' },
      ]);
      expect(restUser.safeParse({ id: '3' }).success).toBe(false);
      expect(
        restUsers.safeParse({ users: [{ id: '1', name: 'alice' }, { id: '2' }] }).success,
      ).toBe(false);
      const node = restNodes.safeParse({
        nodes: [{ ...restOut.nodes[0], user: { id: '1', name: '', email: 'alice@example.com' } }],
      });
      expect(node.success).toBe(false);
      expect(node.error?.issues[0]?.path).toEqual(['nodes', 0, 'user', 'name']);
    });
    it('still parses a named user, keeping only the fields that are set', () => {
      expect(restUser.parse({ id: 3, name: 'bob', email: '', displayName: null })).toEqual({
        id: '3',
        name: 'bob',
      });
    });
  });
});
