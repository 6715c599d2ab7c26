import { describe, expect, it } from 'vitest';
import type { PairPeersResult } from './peer.js';
import { quietRun, safetyNetMs } from './watch.js';

const paired: PairPeersResult = {
  deviceId: 'SELF',
  changed: false,
  added: [],
  updated: [],
  shared: [],
  sharedWith: [
    { deviceId: 'A', name: 'wsl' },
    { deviceId: 'B', name: 'windows' },
  ],
  accepted: [],
  refused: [],
  unvouched: [],
  passive: [],
  peers: 2,
};

describe('quietRun', () => {
  it('is quiet when every listed node is paired and nothing changed or waits', () => {
    expect(quietRun(paired)).toBe(true);
  });

  it('is not quiet after a change, a refusal, a node not vouching or a passive device', () => {
    expect(quietRun({ ...paired, changed: true })).toBe(false);
    const refused = { deviceId: 'X', name: 'x', address: '10.0.0.9:1', reason: 'r' };
    expect(quietRun({ ...paired, refused: [refused] })).toBe(false);
    const unvouched = { hostname: 'laptop', ip: '100.64.0.9', reason: 'no agent' };
    expect(quietRun({ ...paired, unvouched: [unvouched] })).toBe(false);
    expect(quietRun({ ...paired, passive: ['B'] })).toBe(false);
  });

  it('is not quiet while a listed node (offline, say) has no device shared', () => {
    expect(quietRun({ ...paired, peers: 3 })).toBe(false);
  });
});

describe('safetyNetMs', () => {
  it('doubles twice while runs are quiet, then stays', () => {
    expect([0, 1, 2, 3, 9].map((n) => safetyNetMs(15_000, n))).toEqual([
      15_000, 30_000, 60_000, 60_000, 60_000,
    ]);
  });
});
