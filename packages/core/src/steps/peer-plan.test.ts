import { describe, expect, it } from 'vitest';
import { hostOf, type PeerPlanInput, planPeering } from './peer-plan.js';

const SELF = 'SELF000-SELF000-SELF000-SELF000-SELF000-SELF000-SELF000-SELF000';
const SRV = 'SRV0000-SRV0000-SRV0000-SRV0000-SRV0000-SRV0000-SRV0000-SRV0000';
const WIN = 'WIN0000-WIN0000-WIN0000-WIN0000-WIN0000-WIN0000-WIN0000-WIN0000';
const EVIL = 'EVIL000-EVIL000-EVIL000-EVIL000-EVIL000-EVIL000-EVIL000-EVIL000';

const server = { hostname: 'server', ip: '100.64.0.1', nodeId: '1' };
const windows = { hostname: 'windows', ip: '100.64.0.3', nodeId: '3' };

function input(over: Partial<PeerPlanInput> = {}): PeerPlanInput {
  return {
    ownDeviceId: SELF,
    peers: [
      { ...server, online: true },
      { ...windows, online: true },
      { hostname: 'old', ip: '100.64.0.9', nodeId: '9', online: false },
    ],
    vouched: [
      { ...server, port: 22000, deviceId: SRV },
      { ...windows, port: 22002, deviceId: WIN },
    ],
    unvouched: [],
    configured: [],
    folderDevices: [SELF],
    pending: [],
    ...over,
  };
}

describe('planPeering', () => {
  it('a run that asked one node leaves pending devices from other addresses alone', () => {
    const plan = planPeering(
      input({
        vouched: [{ ...server, port: 22000, deviceId: SRV }],
        pending: [
          { deviceId: SRV, name: 'server', address: '100.64.0.1:41000' },
          { deviceId: WIN, name: 'windows', address: '100.64.0.3:41001' },
          { deviceId: EVIL, name: 'evil', address: '10.1.2.3:41002' },
        ],
        asked: new Set(['100.64.0.1']),
      }),
    );
    expect(plan.accepted).toEqual([SRV]);
    expect(plan.refused).toEqual([]);
    expect(plan.add.map((a) => a.deviceId)).toEqual([SRV]);
  });

  it('adds every vouched device at its tailnet address and sync port, and shares the folder', () => {
    const plan = planPeering(input());
    expect(plan.add).toEqual([
      { deviceId: SRV, name: 'server', address: 'tcp://100.64.0.1:22000', introducer: false },
      { deviceId: WIN, name: 'windows', address: 'tcp://100.64.0.3:22002', introducer: false },
    ]);
    expect(plan.share).toEqual([SRV, WIN]);
    expect(plan.refused).toEqual([]);
    expect(plan.trusted.map((t) => t.deviceId)).toEqual([SRV, WIN]);
  });

  it('changes nothing when everything is already configured (idempotent)', () => {
    const plan = planPeering(
      input({
        configured: [
          {
            deviceId: SRV,
            name: 'server',
            addresses: ['tcp://100.64.0.1:22000'],
            introducer: false,
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

  describe('a node that does not know this one yet', () => {
    const stranger = (knowsUs: boolean, configured: PeerPlanInput['configured'] = []) =>
      planPeering(
        input({
          vouched: [{ ...windows, port: 22002, deviceId: WIN, knowsUs }],
          configured,
        }),
      );
    const passiveWin = { deviceId: WIN, name: 'w', addresses: ['dynamic'], introducer: false };

    it('is added without an address (it dials), the folder shared all the same', () => {
      const plan = stranger(false);
      expect(plan.add).toEqual([
        { deviceId: WIN, name: 'windows', address: 'dynamic', introducer: false },
      ]);
      expect(plan.passive).toEqual([WIN]);
      expect(plan.share).toEqual([WIN]);
    });

    it('stays so while it still does not know this one', () => {
      const plan = stranger(false, [passiveWin]);
      expect(plan).toMatchObject({ add: [], update: [], passive: [WIN] });
    });

    it('gets its address once it knows this one', () => {
      const plan = stranger(true, [passiveWin]);
      expect(plan.update).toEqual([
        { deviceId: WIN, name: 'windows', address: 'tcp://100.64.0.3:22002', introducer: false },
      ]);
      expect(plan.passive).toEqual([]);
    });

    it('never loses an address it already has (a node that forgot this one dials again)', () => {
      const plan = stranger(false, [
        { deviceId: WIN, name: 'w', addresses: ['tcp://100.64.0.3:22002'], introducer: false },
      ]);
      expect(plan).toMatchObject({ add: [], update: [], passive: [] });
    });
  });

  it('drops the introducer flag an earlier pairing set on the server', () => {
    const plan = planPeering(
      input({
        configured: [
          {
            deviceId: SRV,
            name: 'server',
            addresses: ['tcp://100.64.0.1:22000'],
            introducer: true,
          },
        ],
      }),
    );
    expect(plan.update).toEqual([
      { deviceId: SRV, name: 'server', address: 'tcp://100.64.0.1:22000', introducer: false },
    ]);
  });

  it('accepts a pending device only from the tailnet IP whose agent vouched for that ID', () => {
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

  it("refuses a second device on a member's own address: its agent vouches for another ID", () => {
    const plan = planPeering(
      input({ pending: [{ deviceId: EVIL, name: 'x', address: '100.64.0.3:1234' }] }),
    );
    expect(plan.refused[0]?.reason).toMatch(/vouches for another device ID/);
    expect(plan.add.map((a) => a.deviceId)).not.toContain(EVIL);
  });

  it("refuses a known device ID connecting from another member's IP", () => {
    const plan = planPeering(
      input({ pending: [{ deviceId: WIN, name: 'w', address: '100.64.0.1:1234' }] }),
    );
    expect(plan.accepted).toEqual([]);
    expect(plan.refused.map((r) => r.deviceId)).toEqual([WIN]);
  });

  it('adds nothing for a node whose agent did not vouch, and refuses what connects from it', () => {
    const plan = planPeering(
      input({
        vouched: [{ ...server, port: 22000, deviceId: SRV }],
        unvouched: [{ node: windows, reason: 'its mesh agent did not answer' }],
        pending: [{ deviceId: EVIL, name: 'w', address: '100.64.0.3:5000' }],
      }),
    );
    expect(plan.add.map((a) => a.deviceId)).toEqual([SRV]);
    expect(plan.unvouched).toEqual([
      { hostname: 'windows', ip: '100.64.0.3', reason: 'its mesh agent did not answer' },
    ]);
    expect(plan.refused[0]?.reason).toMatch(/vouched for no device: its mesh agent did not answer/);
  });

  it('refuses devices from offline nodes', () => {
    const plan = planPeering(
      input({ pending: [{ deviceId: EVIL, name: 'old', address: '100.64.0.9:1' }] }),
    );
    expect(plan.refused[0]?.reason).toMatch(/offline/);
  });

  it('names every device the folder is shared with after the run, not only the new ones', () => {
    const first = planPeering(input());
    expect(first.sharedWith).toEqual([
      { deviceId: SRV, name: 'server' },
      { deviceId: WIN, name: 'windows' },
    ]);
    // A re-run shares with nobody new, and the folder still has both.
    const again = planPeering(
      input({
        configured: [{ deviceId: SRV, name: 'hub', addresses: ['dynamic'], introducer: false }],
        vouched: [{ ...windows, port: 22002, deviceId: WIN }],
        folderDevices: [SELF, SRV, WIN],
      }),
    );
    expect(again.share).toEqual([]);
    expect(again.sharedWith).toEqual([
      { deviceId: SRV, name: 'hub' },
      { deviceId: WIN, name: 'windows' },
    ]);
    expect(planPeering(input({ vouched: [] })).sharedWith).toEqual([]);
  });

  it('never adds itself', () => {
    const plan = planPeering(input({ vouched: [{ ...server, port: 22000, deviceId: SELF }] }));
    expect(plan.add).toEqual([]);
    expect(plan.trusted).toEqual([]);
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
