import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { writeSavedServerUrl } from '@mesh/platform';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeMachine, fakeMachine } from '../../test/fake-machine.js';
import { isMeshError } from '../errors.js';
import { createJoinKey, summarizeKey } from './keys.js';
import { serverStatus } from './nodes.js';
import { HEADSCALE_CONFIG_FIX } from './server.js';

let machine: FakeMachine;
afterEach(async () => {
  await machine?.remove();
});

/** A set-up server whose Headscale config.yaml holds `yaml`. */
async function serverWithConfig(yaml: string) {
  machine = await fakeMachine('server', 'hub');
  const ctx = await machine.context();
  await writeSavedServerUrl('http://10.99.0.1:8080', { env: ctx.env });
  await mkdir(path.dirname(ctx.paths.headscale.configPath), { recursive: true });
  await writeFile(ctx.paths.headscale.configPath, yaml);
  return ctx;
}

const BROKEN = 'server_url: http://10.99.0.1:8080\n  listen_addr: 10.99.0.1:8080\n';

describe('a damaged Headscale config.yaml', () => {
  it('mesh server keygen: exit 4 naming the file and the parse problem; headscale never runs', async () => {
    const ctx = await serverWithConfig(BROKEN);
    const e = await createJoinKey(ctx).catch((error: unknown) => error);
    if (!isMeshError(e)) throw new Error(`expected a MeshError, got ${String(e)}`);
    expect(e.kind).toBe('badInput');
    expect(e.exitCode).toBe(4);
    expect(e.message).toBe(
      `${ctx.paths.headscale.configPath} is not valid YAML: Nested mappings are not allowed in compact mappings at line 1, column 13`,
    );
    expect(e.hint).toBe(HEADSCALE_CONFIG_FIX);
    expect(machine.calls).toEqual([]);
  });

  it('mesh server status: reported as a failure, not healthy', async () => {
    const ctx = await serverWithConfig('- not\n- a mapping\n');
    const s = await serverStatus(ctx);
    expect(s.healthy).toBe(false);
    expect(s.configProblem).toBe(
      `${ctx.paths.headscale.configPath} is not a Headscale config: it holds a list, not a mapping of settings`,
    );
  });

  it('a config that parses is no problem', async () => {
    const ctx = await serverWithConfig('server_url: http://10.99.0.1:8080\n');
    expect((await serverStatus(ctx)).configProblem).toBeUndefined();
  });
});

describe('summarizeKey', () => {
  it('shows a pre-auth key without its secret, expired once its time is past', () => {
    const key = {
      id: '7',
      key: 'hskey-auth-0123456789abcdef0123456789abcdef0123456789abcdef',
      reusable: true,
      ephemeral: false,
      used: true,
      expiration: new Date('2030-01-01T00:00:00Z'),
      aclTags: ['tag:mesh'],
    };
    const summary = {
      id: '7',
      reusable: true,
      ephemeral: false,
      used: true,
      expiration: '2030-01-01T00:00:00.000Z',
      expired: false,
    };
    expect(summarizeKey(key, Date.parse('2029-12-31T23:59:59Z'))).toEqual(summary);
    expect(summarizeKey(key, Date.parse('2030-01-01T00:00:00Z'))).toEqual({
      ...summary,
      expired: true,
    });
    const { expiration: _, ...forever } = key;
    expect(summarizeKey(forever)).toMatchObject({ expiration: undefined, expired: false });
  });
});
