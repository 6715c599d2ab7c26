import path from 'node:path';
import {
  type HeadscaleClient,
  HeadscaleNotFoundError,
  renderHeadscaleConfig,
  renderOpenPolicy,
  SELF_HOSTED_NODE_ATTRS,
} from '@mesh/headscale';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeMachine, fakeMachine } from '../../test/fake-machine.js';
import { put } from '../../test/put.js';
import { createMeshContext, type MeshContext } from '../context.js';
import { ensureNodePolicy } from './node-policy.js';

/** A Headscale of `version` whose stored policy is `stored` (none when undefined). */
function headscale(version: string, stored?: string) {
  const sets: string[] = [];
  const hs = {
    version: async () => ({ version, raw: version, assumed: false }),
    policy: {
      get: async () => {
        if (stored === undefined) throw new HeadscaleNotFoundError('no policy stored');
        return { policy: stored, updatedAt: undefined };
      },
      set: async (policy: string) => {
        sets.push(policy);
        stored = policy;
        return { policy, updatedAt: undefined };
      },
    },
  } as unknown as HeadscaleClient;
  return { hs, sets };
}

const OPEN = renderOpenPolicy({ nodeAttrs: SELF_HOSTED_NODE_ATTRS });

describe('ensureNodePolicy', () => {
  let m: FakeMachine;
  let ctx: MeshContext;
  const config = (policyPath?: string) =>
    renderHeadscaleConfig({
      serverUrl: 'http://10.0.0.1:8080',
      listenAddr: '10.0.0.1:8080',
      stateDir: ctx.paths.headscale.stateDir,
      ...(policyPath ? { policyPath } : {}),
    });

  beforeEach(async () => {
    m = await fakeMachine('server', 'hub');
    ctx = await createMeshContext({ env: m.env, cwd: path.join(m.home, 'work') });
    await put(ctx.paths.headscale.configPath, config(), 0o640);
  });
  afterEach(async () => {
    await m.remove();
  });

  it('stores the open policy with the attributes once; a second run changes nothing', async () => {
    const { hs, sets } = headscale('0.29.2');
    const first = await ensureNodePolicy(ctx, hs);
    expect(first.change).toMatch(/disable-captive-portal-detection/);
    expect(sets).toEqual([OPEN]);
    expect(await ensureNodePolicy(ctx, hs)).toEqual({});
    expect(sets).toHaveLength(1);
  });

  it("replaces an older policy of mesh's own", async () => {
    const { hs, sets } = headscale('0.29.2', OPEN.replace('"attr": [', '"attr": ["x", '));
    expect((await ensureNodePolicy(ctx, hs)).change).toBeDefined();
    expect(sets).toEqual([OPEN]);
  });

  it("keeps a person's own policy, and says what it lacks", async () => {
    const own = '{ "acls": [{ "action": "accept", "src": ["*"], "dst": ["*:22"] }] }';
    const { hs, sets } = headscale('0.29.2', own);
    const r = await ensureNodePolicy(ctx, hs);
    expect(r.change).toBeUndefined();
    expect(r.note).toMatch(/not one mesh wrote.*disable-captive-portal-detection/);
    expect(sets).toEqual([]);
  });

  it('leaves Headscale before 0.29 and a policy file alone', async () => {
    const old = headscale('0.28.0');
    expect(await ensureNodePolicy(ctx, old.hs)).toEqual({});
    expect(old.sets).toEqual([]);
    await put(ctx.paths.headscale.configPath, config('/etc/headscale/policy.hujson'), 0o640);
    const file = headscale('0.29.2');
    expect(await ensureNodePolicy(ctx, file.hs)).toEqual({});
    expect(file.sets).toEqual([]);
  });
});
