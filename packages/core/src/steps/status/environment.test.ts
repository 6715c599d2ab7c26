import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseOsRelease } from '@mesh/platform';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMeshContext, type MeshContext } from '../../context.js';
import { environmentSection } from './environment.js';

const DEBIAN = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION_CODENAME=bookworm
ID=debian
`;

let dir: string;
let ctx: MeshContext;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mesh-environment-'));
  ctx = await createMeshContext({
    env: { HOME: dir, XDG_STATE_HOME: path.join(dir, 'state'), PATH: '' },
    cwd: dir,
    hostname: 'box',
    role: 'unknown',
  });
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('environmentSection', () => {
  it('names the distribution for people and keeps the coarse osType for code', async () => {
    const platform = {
      ...ctx.platform,
      os: 'linux' as const,
      osType: 'ubuntu' as const,
      distro: parseOsRelease(DEBIAN),
    };
    const { env } = await environmentSection({ ...ctx, platform });
    expect(env).toMatchObject({
      hostname: 'box',
      osType: 'ubuntu',
      osName: 'Debian GNU/Linux 12 (bookworm)',
      distro: { id: 'debian', versionId: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)' },
    });
  });

  it('has no distro on Windows', async () => {
    const { distro: _, wsl: __, ...rest } = ctx.platform;
    const platform = { ...rest, os: 'windows' as const, osType: 'windows' as const };
    const { env } = await environmentSection({ ...ctx, platform });
    expect(env).toMatchObject({ osType: 'windows', osName: 'Windows', distro: undefined });
  });
});
