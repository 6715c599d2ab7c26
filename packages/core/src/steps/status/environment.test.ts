import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseOsRelease } from '@mesh/platform';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMeshContext, type MeshContext } from '../../context.js';
import { environmentSection, logsCheck, ownerCheck, roleCheck, sshdCheck } from './environment.js';

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

describe('roleCheck', () => {
  it('notes an unknown role and its default ports; says nothing of a known one', () => {
    expect(roleCheck('unknown')).toEqual({
      section: 'environment',
      name: 'role',
      level: 'info',
      message: 'Role is unknown: default ports 8384/22000',
      fix: 'set MESH_SERVER_HOSTNAMES / MESH_WSL2_HOSTNAMES / MESH_WINDOWS_HOSTNAMES',
    });
    expect(roleCheck('wsl2')).toBeUndefined();
  });
});

describe('logsCheck', () => {
  it('points to journald under systemd, Headscale first on the server', () => {
    expect(logsCheck('systemd', 'server', '/var/lib/mesh/services')).toEqual({
      section: 'environment',
      name: 'logs',
      level: 'info',
      message:
        'Logs: journalctl -u headscale, journalctl -u mesh-tailscaled, journalctl -u mesh-syncthing, journalctl -u mesh-agent',
    });
  });

  it("points to the supervised services' log files elsewhere", () => {
    expect(logsCheck('supervised', 'client', '/var/lib/mesh/services').message).toBe(
      'Logs: /var/lib/mesh/services/{mesh-tailscaled,mesh-syncthing,mesh-agent}.log',
    );
    expect(logsCheck('supervised', 'server', '/s').message).toBe(
      'Logs: /s/{mesh-headscale,mesh-tailscaled,mesh-syncthing,mesh-agent}.log',
    );
  });
});

describe('sshdCheck', () => {
  it('is ok when sshd listens on 2222', () => {
    expect(sshdCheck(true)).toEqual({
      section: 'environment',
      name: 'sshd',
      level: 'ok',
      message: 'sshd listens on port 2222',
    });
  });

  it('fails when nothing does: other machines cannot reach this WSL2 over SSH', () => {
    expect(sshdCheck(false)).toEqual({
      section: 'environment',
      name: 'sshd',
      level: 'fail',
      message:
        'Nothing listens on port 2222: ssh -p 2222 to this machine fails (sshd stopped, or not restarted since its port changed)',
      fix: 'mesh doctor --fix (sets the port and restarts sshd)',
    });
  });
});

describe('ownerCheck', () => {
  const alice = { name: 'alice', uid: 1000 };
  it("fails a shared folder that is not MESH_DEFAULT_USER's", () => {
    expect(ownerCheck('/opt/shared', 0, alice)).toEqual({
      section: 'environment',
      name: 'owner',
      level: 'fail',
      message:
        '/opt/shared does not belong to alice (MESH_DEFAULT_USER), whose Syncthing cannot write to it',
      fix: 'run setup again: it gives the folder to alice',
    });
  });

  it('is silent when it is', () => {
    expect(ownerCheck('/opt/shared', 1000, alice)).toBeUndefined();
  });
});
