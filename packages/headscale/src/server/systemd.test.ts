import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRunner, type Runner } from '@mesh/platform';
import { describe, expect, it } from 'vitest';
import { HeadscaleConfigError } from '../errors.js';
import { SystemdService } from './service.js';
import { renderHeadscaleUnit } from './systemd.js';

const unitOptions = {
  binary: '/var/cache/mesh/bin/headscale',
  configPath: '/etc/headscale/config.yaml',
  stateDir: '/var/lib/headscale',
};

describe('renderHeadscaleUnit', () => {
  it('renders ExecStart and hardening', () => {
    const unit = renderHeadscaleUnit(unitOptions);
    expect(unit).toContain(
      'ExecStart=/var/cache/mesh/bin/headscale -c /etc/headscale/config.yaml serve',
    );
    expect(unit).toContain('ReadWritePaths=/var/lib/headscale');
    expect(unit).toContain('User=headscale');
    expect(unit).toContain('WantedBy=multi-user.target');
  });

  it('rejects relative paths', () => {
    expect(() => renderHeadscaleUnit({ ...unitOptions, binary: 'headscale' })).toThrow(
      HeadscaleConfigError,
    );
  });

  const analyze = '/usr/bin/systemd-analyze';
  it.skipIf(!existsSync(analyze) || !existsSync(unitOptions.binary))(
    'passes systemd-analyze verify',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'mesh-unit-'));
      try {
        const path = join(dir, 'mesh-headscale-test.service');
        // root exists everywhere; the default `headscale` user may not on a test machine
        await writeFile(path, renderHeadscaleUnit({ ...unitOptions, user: 'root', stateDir: dir }));
        const r = await createRunner().run(analyze, ['verify', path], { timeout: 30_000 });
        // verify prints unrelated warnings about the host's own units; only ours matter
        const ours = `${r.stdout}\n${r.stderr}`
          .split('\n')
          .filter((l) => l.includes('mesh-headscale-test'));
        expect(ours, ours.join('\n')).toEqual([]);
        expect(r.exitCode, r.stderr).toBe(0);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );
});

describe('SystemdService', () => {
  it('installs once, reloads only on change, starts only when inactive', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mesh-unitdir-'));
    const calls: string[] = [];
    let active = false;
    let enabled = false;
    const show = '--property=LoadState,ActiveState,SubState,UnitFileState,MainPID';
    const runner: Runner = {
      prefix: [],
      async run(file, args) {
        const command = [file, ...args].join(' ');
        calls.push(command);
        let stdout = '';
        if (args[0] === 'enable') enabled = true;
        if (args[0] === 'start') active = true;
        if (args[0] === 'stop') active = false;
        if (args[0] === 'show')
          stdout = [
            'LoadState=loaded',
            `ActiveState=${active ? 'active' : 'inactive'}`,
            `SubState=${active ? 'running' : 'dead'}`,
            `UnitFileState=${enabled ? 'enabled' : 'disabled'}`,
            `MainPID=${active ? 42 : 0}`,
          ].join('\n');
        return { command, exitCode: 0, stdout, stderr: '', timedOut: false };
      },
    };
    try {
      const svc = new SystemdService({ unitDir: dir, unit: unitOptions, runner });
      expect(svc.unitPath).toBe(join(dir, 'headscale.service'));
      expect(await svc.install()).toEqual({ changed: true });
      expect(await readFile(svc.unitPath, 'utf8')).toBe(renderHeadscaleUnit(unitOptions));
      expect(calls).toContain('systemctl daemon-reload');
      expect(calls).toContain('systemctl enable headscale.service');
      calls.length = 0;
      expect(await svc.install()).toEqual({ changed: false });
      // The service account exists now (getent answers): only its paths are given again.
      expect(calls.filter((c) => c.startsWith('systemctl'))).toEqual([
        `systemctl show headscale.service ${show}`,
      ]);
      expect(calls.some((c) => c.startsWith('useradd'))).toBe(false);
      expect(calls).toContain(`chown -R headscale:headscale ${unitOptions.stateDir}`);
      expect(await svc.start()).toEqual({ changed: true });
      expect(await svc.start()).toEqual({ changed: false });
      expect(await svc.status()).toEqual({ running: true, pid: 42, detail: 'active (running)' });
      expect(await svc.stop()).toEqual({ changed: true });
      expect(await svc.stop()).toEqual({ changed: false });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
