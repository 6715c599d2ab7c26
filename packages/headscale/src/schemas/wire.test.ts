import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { must } from '../../test/must.js';
import { cliApiKey, cliList, cliNode, cliPreAuthKey, cliUser } from './cli.js';
import {
  restApiKeys,
  restNodeEnvelope,
  restNodes,
  restPreAuthKeyEnvelope,
  restPreAuthKeys,
  restUsers,
} from './rest.js';

// Real answers of one server per minor, over the CLI and REST (see test/fixtures/README.md).
function fixture(version: string, name: string): unknown {
  const url = new URL(`../../test/fixtures/headscale-${version}/${name}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8'));
}

/** A fixture's first list item, to be edited into an invalid one. */
function first(version: string, name: string, list?: string): Record<string, unknown> {
  const json = fixture(version, name);
  const items = list ? (json as Record<string, unknown>)[list] : json;
  if (!Array.isArray(items)) throw new Error(`${name}: not a list`);
  return structuredClone(items[0]);
}

function parseAll(version: string) {
  return {
    cli: {
      users: cliList(cliUser).parse(fixture(version, 'cli-users')),
      keys: cliList(cliPreAuthKey).parse(fixture(version, 'cli-preauthkeys')),
      nodes: cliList(cliNode).parse(fixture(version, 'cli-nodes')),
      apiKeys: cliList(cliApiKey).parse(fixture(version, 'cli-apikeys')),
    },
    rest: {
      users: restUsers.parse(fixture(version, 'rest-users')),
      keys: restPreAuthKeys.parse(fixture(version, 'rest-preauthkeys')),
      nodes: restNodes.parse(fixture(version, 'rest-nodes')),
      apiKeys: restApiKeys.parse(fixture(version, 'rest-apikeys')),
    },
  };
}

describe.each(['0.26', '0.27', '0.28', '0.29'])('headscale %s answers', (version) => {
  const { cli, rest } = parseAll(version);
  const node = must(rest.nodes[0], 'node');

  it('map to the same domain objects over the CLI and REST', () => {
    expect(cli).toEqual(rest);
    expect(rest.users.map((u) => u.name)).toEqual(['alice', 'bob']);
    expect(rest.users[1]).toMatchObject({ displayName: 'Bob B', email: 'bob@example.com' });
    expect(rest.apiKeys).toHaveLength(1);
  });

  it('keep the domain key order (callers print these objects as JSON)', () => {
    expect(Object.keys(node)).toEqual([
      'id',
      'name',
      'givenName',
      'ipAddresses',
      'machineKey',
      'nodeKey',
      'discoKey',
      'online',
      'registerMethod',
      'tags',
      'approvedRoutes',
      'availableRoutes',
      'subnetRoutes',
      'user',
      ...(node.lastSeen ? ['lastSeen'] : []),
      'createdAt',
    ]);
    expect(Object.keys(must(rest.users[1], 'bob'))).toEqual([
      'id',
      'name',
      'displayName',
      'email',
      'createdAt',
    ]);
    expect(Object.keys(must(rest.keys[0], 'key'))).toEqual([
      'id',
      'key',
      'reusable',
      'ephemeral',
      'used',
      'aclTags',
      'user',
      'expiration',
      'createdAt',
    ]);
    expect(Object.keys(must(rest.apiKeys[0], 'API key'))).toEqual([
      'id',
      'prefix',
      'expiration',
      'createdAt',
    ]);
  });

  it('read a node: flat tags whatever the minor, Go zero time as unset', () => {
    expect(node).toMatchObject({
      id: '1',
      name: 'probe',
      givenName: 'probe',
      ipAddresses: ['100.64.0.1', 'fd7a:115c:a1e0::1'],
      registerMethod: 'cli',
      tags: ['tag:ci'],
      approvedRoutes: ['10.9.0.0/24'],
    });
    expect(node.expiry).toBeUndefined();
    expect(node.createdAt).toBeInstanceOf(Date);
  });

  it('read pre-auth keys with their owner and tags', () => {
    expect(rest.keys.slice(0, 2)).toMatchObject([
      { id: '1', reusable: true, ephemeral: false, aclTags: [], user: { name: 'alice' } },
      { id: '2', reusable: false, ephemeral: true, aclTags: ['tag:ci'], user: { name: 'alice' } },
    ]);
    expect(must(rest.keys[0], 'key').expiration).toBeInstanceOf(Date);
  });
});

describe('version differences', () => {
  it('<= 0.27: tags come from forced and valid tags; lists show the whole key', () => {
    const { rest } = parseAll('0.27');
    expect(must(rest.nodes[0], 'node').user?.name).toBe('alice');
    expect(must(rest.keys[0], 'key').key).toMatch(/^[0-9a-f]{48}$/);
  });
  it('0.26: a node never seen has no lastSeen', () => {
    expect(must(parseAll('0.26').cli.nodes[0], 'node').lastSeen).toBeUndefined();
  });
  it('>= 0.28: tagged nodes belong to tagged-devices, tags-only keys to no one', () => {
    for (const version of ['0.28', '0.29']) {
      const { rest } = parseAll(version);
      const owner = must(must(rest.nodes[0], 'node').user, 'owner');
      expect(owner).toEqual({
        id: '2147455555',
        name: 'tagged-devices',
        displayName: 'Tagged Devices',
      });
      const tagsOnly = must(rest.keys[2], 'tags-only key');
      expect(tagsOnly.user).toBeUndefined();
      expect(tagsOnly.aclTags).toEqual(['tag:ci']);
      expect(tagsOnly.key).toMatch(/^hskey-auth-.+-\*\*\*$/);
    }
  });
});

describe('malformed answers are rejected, naming the wire field', () => {
  it('a node without an ID', () => {
    const { id: _cliId, ...cliWithoutId } = first('0.29', 'cli-nodes');
    const fromCli = cliList(cliNode).safeParse([cliWithoutId]);
    expect(fromCli.error?.issues).toMatchObject([
      { path: [0, 'id'], message: 'an ID is required' },
    ]);

    const { id: _restId, ...restWithoutId } = first('0.29', 'rest-nodes', 'nodes');
    const fromRest = restNodeEnvelope.safeParse({ node: restWithoutId });
    expect(fromRest.error?.issues).toMatchObject([
      { path: ['node', 'id'], message: 'an ID is required' },
    ]);
    const withId = (id: unknown) =>
      restNodeEnvelope.safeParse({ node: { ...restWithoutId, id } }).error?.issues;
    expect(withId('')).toMatchObject([
      { path: ['node', 'id'], message: 'an ID must not be empty' },
    ]);
    expect(withId(true)).toMatchObject([
      { path: ['node', 'id'], message: 'an ID must be a number or a string' },
    ]);
  });

  it('an API key without an ID', () => {
    const { id: _, ...withoutId } = first('0.28', 'cli-apikeys');
    expect(cliApiKey.safeParse(withoutId).error?.issues).toMatchObject([
      { path: ['id'], message: 'an ID is required' },
    ]);
  });

  it('a pre-auth key whose owner has no name', () => {
    const cliKey = first('0.26', 'cli-preauthkeys');
    cliKey['user'] = { id: 1 };
    expect(cliPreAuthKey.safeParse(cliKey).error?.issues).toMatchObject([
      { path: ['user', 'name'], message: 'a user needs a name' },
    ]);

    const restKey = first('0.26', 'rest-preauthkeys', 'preAuthKeys');
    restKey['user'] = { id: '1', name: '' };
    expect(restPreAuthKeyEnvelope.safeParse({ preAuthKey: restKey }).error?.issues).toMatchObject([
      { path: ['preAuthKey', 'user', 'name'], message: 'a user needs a name' },
    ]);
  });

  it("a node's pre-auth key whose owner has no name", () => {
    const node = first('0.28', 'cli-nodes');
    node['pre_auth_key'] = { id: 1, key: 'k', user: { id: 1 } };
    expect(cliNode.safeParse(node).error?.issues).toMatchObject([
      { path: ['pre_auth_key', 'user', 'name'], message: 'a user needs a name' },
    ]);
  });

  it('a timestamp of the other format', () => {
    const cliUserItem = first('0.29', 'cli-users');
    expect(
      cliUser.safeParse({ ...cliUserItem, created_at: '2026-11-30T03:06:45Z' }).error?.issues,
    ).toMatchObject([{ path: ['created_at'] }]);
    const restNode = first('0.29', 'rest-nodes', 'nodes');
    expect(
      restNodeEnvelope.safeParse({ node: { ...restNode, lastSeen: { seconds: 1 } } }).error?.issues,
    ).toMatchObject([{ path: ['node', 'lastSeen'] }]);
  });
});
