import type { PairPeersResult } from '@mesh/core';
import { describe, expect, it } from 'vitest';
import { capturedOutput } from '../output/capture.js';
import { printPeerResult } from './peer.js';

const SELF = 'SELF000-SELF000-SELF000-SELF000-SELF000-SELF000-SELF000-SELF000';
const SRV = 'SRV0000-SRV0000-SRV0000-SRV0000-SRV0000-SRV0000-SRV0000-SRV0000';
const WIN = 'WIN0000-WIN0000-WIN0000-WIN0000-WIN0000-WIN0000-WIN0000-WIN0000';

function printed(over: Partial<PairPeersResult>): string {
  const { out, allText } = capturedOutput();
  printPeerResult(
    {
      deviceId: SELF,
      changed: false,
      added: [],
      updated: [],
      shared: [],
      sharedWith: [],
      accepted: [],
      refused: [],
      unvouched: [],
      passive: [],
      peers: 0,
      ...over,
    },
    out,
  );
  return allText();
}

describe('printPeerResult', () => {
  it('says in words that the folder has no other device yet, not "0"', () => {
    expect(printed({})).toBe(
      [
        '',
        '=== Syncthing Peers ===',
        `  Your Device ID:      ${SELF}`,
        '  Tailnet peers:       0',
        '  Added:               0',
        '  Updated:             0',
        '  Folder shared with:  no other device yet (the mesh agent pairs each node as it joins)',
        '  Refused:             0',
        '  Not vouched for yet: 0',
        '  Waiting to connect:  0',
        '',
      ].join('\n'),
    );
  });

  it('names the devices on a re-run that shared with nobody new', () => {
    const text = printed({
      peers: 2,
      sharedWith: [
        { deviceId: SRV, name: 'server' },
        { deviceId: WIN, name: '' },
      ],
    });
    expect(text).toContain('  Folder shared with:  server, WIN0000...\n');
  });
});
