import path from 'node:path';
import type { MeshStatus } from '@mesh/core';
import { describe, expect, it } from 'vitest';
import { capturedOutput } from '../output/capture.js';
import { printStatus, sourceLabel } from './status.js';

describe('sourceLabel', () => {
  it('names the place a setting came from', () => {
    const cwd = path.join(path.sep, 'home', 'me', 'project');
    expect(sourceLabel('env', cwd)).toBe('environment');
    expect(sourceLabel('default', cwd)).toBe('default');
    const here = path.join(cwd, '.env');
    const parent = path.join(path.dirname(cwd), '.env');
    expect(sourceLabel(here, cwd)).toBe(`./.env (${here})`);
    expect(sourceLabel(parent, cwd)).toBe(`../.env (${parent})`);
    expect(sourceLabel('/etc/mesh.env', cwd)).toBe('/etc/mesh.env');
  });
});

describe('printStatus', () => {
  it('shows the distribution detected, not the coarse OS type', () => {
    const status: MeshStatus = {
      healthy: true,
      issues: 0,
      environment: {
        hostname: 'box',
        osType: 'ubuntu',
        osName: 'Debian GNU/Linux 12 (bookworm)',
        distro: { id: 'debian', versionId: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)' },
        role: 'unknown',
        syncthingHome: '/home/me/.local/state/syncthing',
        sharedFolder: '/opt/shared',
      },
      tailscale: { running: true, backendState: 'Running', ip: '100.64.0.2', peers: [] },
      syncthing: {
        running: true,
        port: 8384,
        deviceId: undefined,
        connected: [],
        folder: undefined,
      },
      trust: { agent: true, vouched: [], manual: [], untrusted: [] },
      serverUrl: 'http://10.0.0.1:8080',
      conflicts: [],
      checks: [],
    };
    const { out, allText } = capturedOutput();
    expect(printStatus(status, false, out)).toBe(0);
    expect(allText()).toBe(
      [
        '',
        '=== Environment ===',
        '  Hostname: box',
        '  OS:       Debian GNU/Linux 12 (bookworm)',
        '  Role:     unknown',
        '',
        '=== Summary ===',
        'OK: All systems operational',
        '',
      ].join('\n'),
    );
  });
});
