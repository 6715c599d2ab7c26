import { describe, expect, it } from 'vitest';
import { planLab } from './address-plan.js';
import type { LabHeadscale } from './lab-headscale.js';
import type { LabHost } from './lab-host.js';
import { type LabParts, labStateOf } from './lab-state.js';
import type { LabSyncthing } from './lab-syncthing.js';
import type { LabTailscaled } from './lab-tailscale.js';
import type { LabProcess } from './process.js';
import { labStateSchema } from './state.js';

const plan = planLab('a1b2c3');
const root = '/tmp/mesh-lab-a1b2c3-x';
const nothingYet: LabParts = {
  id: 'a1b2c3',
  pid: 4242,
  persistent: false,
  createdAt: '2025-01-01T00:00:00.000Z',
  root,
  plan,
  hosts: new Map(),
  tailscaled: new Map(),
  syncthing: new Map(),
  headscale: undefined,
  processes: [],
  timings: [],
};

describe('labStateOf', () => {
  it('lists every planned host and namespace before any host is made', () => {
    const state = labStateOf(nothingYet);
    expect(labStateSchema.parse(state)).toEqual(state);
    expect(state.namespaces).toEqual([
      'mesh-a1b2c3-server',
      'mesh-a1b2c3-wsl',
      'mesh-a1b2c3-windows',
      'mesh-a1b2c3-sw',
    ]);
    expect(state.hosts[1]).toEqual({
      name: 'wsl',
      ns: 'mesh-a1b2c3-wsl',
      ip: '10.99.0.2',
      root: `${root}/hosts/wsl`,
      env: {},
      guiPort: 8385,
      syncPort: 22001,
    });
    expect(state).not.toHaveProperty('headscale');
  });

  it('records what has started, and none of its keys', () => {
    const server = {
      root: '/machines/server/root',
      env: { MESH_ROLE: 'server' },
      machine: { keeperPid: 99 },
    } as unknown as LabHost;
    const joined = { socketPath: '/s/ts.sock', tailnetIp: '100.64.0.1' } as LabTailscaled;
    const notJoined = { socketPath: '/w/ts.sock', tailnetIp: undefined } as LabTailscaled;
    const syncthing = {
      guiSocket: '/s/gui.sock',
      home: '/s/home/.config/syncthing',
      apiKey: 'SECRETAPIKEY',
    } as LabSyncthing;
    const headscale = {
      url: 'http://10.99.0.1:8080',
      configPath: '/s/etc/headscale/config.yaml',
      apiSocket: '/s/run/fwd.sock',
      host: 'server',
    } as LabHeadscale;
    const proc = { host: 'server', name: 'headscale', pid: 1234 } as LabProcess;
    const state = labStateOf({
      ...nothingYet,
      persistent: true,
      hosts: new Map([['server', server]]),
      tailscaled: new Map([
        ['server', joined],
        ['wsl', notJoined],
      ]),
      syncthing: new Map([['server', syncthing]]),
      headscale,
      processes: [proc],
      timings: [{ phase: 'hosts up', ms: 12 }],
    });
    expect(labStateSchema.parse(state)).toEqual(state);
    expect(state.hosts[0]).toEqual({
      name: 'server',
      ns: 'mesh-a1b2c3-server',
      ip: '10.99.0.1',
      root: '/machines/server/root',
      env: { MESH_ROLE: 'server' },
      guiPort: 8384,
      syncPort: 22000,
      tailscaleSocket: '/s/ts.sock',
      tailnetIp: '100.64.0.1',
      guiSocket: '/s/gui.sock',
      syncthingHome: '/s/home/.config/syncthing',
      machine: { keeperPid: 99 },
    });
    expect(state.hosts[1]).toMatchObject({ tailscaleSocket: '/w/ts.sock' });
    expect(state.hosts[1]).not.toHaveProperty('tailnetIp');
    expect(state).toMatchObject({
      persistent: true,
      headscale,
      pids: [{ host: 'server', name: 'headscale', pid: 1234 }],
      timings: [{ phase: 'hosts up', ms: 12 }],
    });
    expect(JSON.stringify(state)).not.toContain('SECRETAPIKEY');
  });
});
