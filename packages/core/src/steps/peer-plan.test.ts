import { describe, expect, it } from 'vitest';
import { hostOf, type PeerPlanInput, planPeering } from './peer-plan.js';

const SELF = 'SELF000-SELF000-SELF000-SELF000-SELF000-SELF000-SELF000-SELF000';
const SRV = 'SRV0000-SRV0000-SRV0000-SRV0000-SRV0000-SRV0000-SRV0000-SRV0000';
const WIN = 'WIN0000-WIN0000-WIN0000-WIN0000-WIN0000-WIN0000-WIN0000-WIN0000';
const EVIL = 'EVIL000-EVIL000-EVIL000-EVIL000-EVIL000-EVIL000-EVIL000-EVIL000';

function input(over: Partial<PeerPlanInput> = {}): PeerPlanInput {
  return {
    ownDeviceId: SELF,
    peers: [
      { hostname: 'server', ip: '100.64.0.1', online: true, isServer: true },
      { hostname: 'windows', ip: '100.64.0.3', online: true, isServer: false },
      { hostname: 'old', ip: '100.64.0.9', online: false, isServer: false },
    ],
    probes: [
      { ip: '100.64.0.1', port: 22000, deviceId: SRV },
      { ip: '100.64.0.3', port: 22002, deviceId: WIN },
    ],
    configured: [],
    folderDevices: [SELF],
    pending: [],
    serverIsIntroducer: true,
    ...over,
  };
}

describe('planPeering', () => {
  it('adds every probed peer with its static tailnet address and shares the folder', () => {
    const plan = planPeering(input());
    expect(plan.add).toEqual([
      { deviceId: SRV, name: 'server', address: 'tcp://100.64.0.1:22000', introducer: true },
      { deviceId: WIN, name: 'windows', address: 'tcp://100.64.0.3:22002', introducer: false },
    ]);
    expect(plan.share).toEqual([SRV, WIN]);
    expect(plan.refused).toEqual([]);
  });

  it('does not mark the server as introducer on the server itself', () => {
    const plan = planPeering(input({ serverIsIntroducer: false }));
    expect(plan.add.every((a) => !a.introducer)).toBe(true);
  });

  it('changes nothing when everything is already configured (idempotent)', () => {
    const plan = planPeering(
      input({
        configured: [
          {
            deviceId: SRV,
            name: 'server',
            addresses: ['tcp://100.64.0.1:22000'],
            introducer: true,
          },
          {
            deviceId: WIN,
            name: 'windows',
            addresses: ['tcp://100.64.0.3:22002'],
            introducer: false,
          },
        ],
        folderDevices: [SELF, SRV, WIN],
      }),
    );
    expect(plan).toMatchObject({ add: [], update: [], share: [], refused: [] });
  });

  it('replaces a dynamic address with the static one', () => {
    const plan = planPeering(
      input({
        configured: [{ deviceId: WIN, name: 'w', addresses: ['dynamic'], introducer: false }],
      }),
    );
    expect(plan.update).toEqual([
      { deviceId: WIN, name: 'windows', address: 'tcp://100.64.0.3:22002', introducer: false },
    ]);
  });

  it('accepts a pending device only from the tailnet IP whose probe returned that ID', () => {
    const plan = planPeering(
      input({ pending: [{ deviceId: WIN, name: 'windows', address: '100.64.0.3:41234' }] }),
    );
    expect(plan.accepted).toEqual([WIN]);
    expect(plan.refused).toEqual([]);
  });

  it('refuses a device connecting from outside the tailnet, even with a known name', () => {
    const plan = planPeering(
      input({ pending: [{ deviceId: EVIL, name: 'server', address: '10.99.0.4:50000' }] }),
    );
    expect(plan.refused).toHaveLength(1);
    expect(plan.refused[0]?.reason).toMatch(/not a mesh node/);
    expect(plan.add.map((a) => a.deviceId)).not.toContain(EVIL);
  });

  it('refuses a device claiming a member IP with a different certificate', () => {
    const plan = planPeering(
      input({ pending: [{ deviceId: EVIL, name: 'x', address: '100.64.0.3:1234' }] }),
    );
    expect(plan.refused[0]?.reason).toMatch(/does not match/);
  });

  it("refuses a known device ID connecting from another member's IP", () => {
    const plan = planPeering(
      input({ pending: [{ deviceId: WIN, name: 'w', address: '100.64.0.1:1234' }] }),
    );
    expect(plan.accepted).toEqual([]);
    expect(plan.refused.map((r) => r.deviceId)).toEqual([WIN]);
  });

  it('refuses devices from offline nodes and reports online peers without Syncthing', () => {
    const plan = planPeering(
      input({
        probes: [{ ip: '100.64.0.1', port: 22000, deviceId: SRV }],
        pending: [{ deviceId: EVIL, name: 'old', address: '100.64.0.9:1' }],
      }),
    );
    expect(plan.refused[0]?.reason).toMatch(/offline/);
    expect(plan.unreachable.map((p) => p.hostname)).toEqual(['windows']);
  });

  it('never adds itself', () => {
    const plan = planPeering(
      input({ probes: [{ ip: '100.64.0.1', port: 22000, deviceId: SELF }] }),
    );
    expect(plan.add).toEqual([]);
  });
});

describe('hostOf', () => {
  it.each([
    ['100.64.0.1:22000', '100.64.0.1'],
    ['tcp://100.64.0.1:22000', '100.64.0.1'],
    ['[fd7a::1]:41641', 'fd7a::1'],
    ['10.0.0.1', '10.0.0.1'],
  ])('%s -> %s', (a, h) => expect(hostOf(a)).toBe(h));
});
