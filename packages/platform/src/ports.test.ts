import { describe, expect, it } from 'vitest';
import { type MeshRole, portPlan } from './ports.js';

describe('portPlan', () => {
  it.each([
    ['server', 8384, 22000, 22],
    ['wsl2', 8385, 22001, 2222],
    ['windows', 8386, 22002, 22],
    ['unknown', 8384, 22000, 22],
  ] as const)('%s: its own Syncthing and SSH ports', (role, gui, sync, ssh) => {
    expect(portPlan(role)).toMatchObject({ syncthingGui: gui, syncthingSync: sync, ssh });
  });

  it.each<MeshRole | 'unknown'>(['server', 'wsl2', 'windows', 'unknown'])(
    '%s: the server ports and tailscaled WireGuard are the same for every role',
    (role) => {
      expect(portPlan(role)).toMatchObject({ headscale: 8080, derpStun: 3478, wireguard: 41641 });
    },
  );

  it('hands out copies, so a caller cannot change the plan of the next one', () => {
    const plan = portPlan('server');
    plan.ssh = 2200;
    expect(portPlan('server').ssh).toBe(22);
  });

  it('gives roles that share a host distinct Syncthing ports', () => {
    const roles: MeshRole[] = ['server', 'wsl2', 'windows'];
    const guis = new Set(roles.map((r) => portPlan(r).syncthingGui));
    const syncs = new Set(roles.map((r) => portPlan(r).syncthingSync));
    expect(guis.size).toBe(3);
    expect(syncs.size).toBe(3);
  });
});
