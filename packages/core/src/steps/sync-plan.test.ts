import { describe, expect, it } from 'vitest';
import { folderProgress, wantsPairing } from './sync-plan.js';

const base = { sharedWith: ['A'], connected: ['A'], state: 'idle', needItems: 0, globalItems: 3 };

describe('folderProgress', () => {
  it('asks to pair again while no mesh device shares the folder', () => {
    expect(folderProgress({ ...base, sharedWith: [] })).toBe('no-peers');
  });
  it('waits while no device the folder is shared with is connected', () => {
    expect(folderProgress({ ...base, connected: ['B'] })).toBe('not-connected');
  });
  it('is syncing while scanning or while items are needed', () => {
    expect(folderProgress({ ...base, state: 'syncing' })).toBe('syncing');
    expect(folderProgress({ ...base, needItems: 1 })).toBe('syncing');
  });
  it('is in sync when idle with nothing needed', () => {
    expect(folderProgress(base)).toBe('in-sync');
  });
  it('flags an empty global index, which may mean the index has not arrived', () => {
    expect(folderProgress({ ...base, globalItems: 0 })).toBe('in-sync-empty');
  });
});

describe('wantsPairing', () => {
  it('pairs when a device becomes pending', () => {
    expect(
      wantsPairing({ type: 'PendingDevicesChanged', data: { added: [{ deviceID: 'X' }] } }),
    ).toBe(true);
  });
  it('ignores removals (our own dismissals cause them; reacting would loop)', () => {
    expect(
      wantsPairing({ type: 'PendingDevicesChanged', data: { removed: [{ deviceID: 'X' }] } }),
    ).toBe(false);
    expect(wantsPairing({ type: 'PendingDevicesChanged', data: { added: [] } })).toBe(false);
  });
  it('pairs on DeviceRejected (older Syncthing) and after lost events', () => {
    expect(wantsPairing({ type: 'DeviceRejected', data: { device: 'X' } })).toBe(true);
    expect(wantsPairing({ type: 'MissedEvents' })).toBe(true);
  });
  it('ignores unrelated events', () => {
    expect(wantsPairing({ type: 'DeviceConnected', data: {} })).toBe(false);
  });
});
