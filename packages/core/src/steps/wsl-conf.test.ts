import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeRunner, reported, wslContext, wslRoot } from '../../test/wsl-root.js';
import { ensureWslSystemdStep } from './wsl-conf.js';

const SHUTDOWN =
  'from Windows run: wsl --shutdown, then open Ubuntu again (systemd starts with it)';

let root: string;

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'mesh-wsl-conf-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('ensureWslSystemdStep, against a recorded WSL2 root', () => {
  it('enables systemd once, and asks for wsl --shutdown until systemd is PID 1', async () => {
    await wslRoot(root);
    const original = await readFile(path.join(root, 'etc/wsl.conf'), 'utf8');
    const ctx = await wslContext(root, fakeRunner({}));
    const file = {
      path: path.join(root, 'etc/wsl.conf'),
      backupPath: path.join(root, 'etc/wsl.conf.mesh-bak'),
    };
    expect(await ensureWslSystemdStep(ctx)).toEqual({
      id: 'wsl-systemd',
      status: 'changed',
      changes: ['enabled systemd in /etc/wsl.conf'],
      manual: [SHUTDOWN],
      files: [file],
    });
    expect(await readFile(path.join(root, 'etc/wsl.conf'), 'utf8')).toBe(
      original.replace('service ssh start\n', 'service ssh start\nsystemd=true\n'),
    );
    const again = await ensureWslSystemdStep(ctx);
    expect(again).toMatchObject({ status: 'manual', changes: [], manual: [SHUTDOWN] });
    expect(reported(ctx)).toEqual([
      'OK: Enabled systemd in /etc/wsl.conf (previous file kept as wsl.conf.mesh-bak)',
      `WARN: WSL reads /etc/wsl.conf only at start: ${SHUTDOWN}`,
      `WARN: /etc/wsl.conf enables systemd but systemd is not PID 1 yet: ${SHUTDOWN}`,
    ]);
  });

  it('is ok, with nothing to do by hand, once systemd runs as PID 1', async () => {
    await wslRoot(root, { systemd: true });
    const ctx = await wslContext(root, fakeRunner({}));
    // The file still needs the line: WSL must restart for it even though systemd runs.
    expect(await ensureWslSystemdStep(ctx)).toMatchObject({ status: 'changed' });
    const again = await ensureWslSystemdStep(ctx);
    expect(again).toMatchObject({ id: 'wsl-systemd', status: 'ok', changes: [] });
    expect(again.manual).toBeUndefined();
    expect(reported(ctx).at(-1)).toBe('OK: systemd is enabled and running (PID 1)');
  });
});
