import { describe, expect, it } from 'vitest';
import { isLabId, labIdOf, labNames, newLabId } from './naming.js';

describe('naming', () => {
  it('makes 6-hex ids that differ', () => {
    const ids = new Set(Array.from({ length: 50 }, newLabId));
    expect(ids.size).toBe(50);
    for (const id of ids) expect(isLabId(id)).toBe(true);
  });

  it('puts mesh-<id>- in front of every name and finds the id again', () => {
    const n = labNames('0a0b0c');
    const all = [n.bridgeNs, n.bridge, n.hostNs('server'), n.hostLink(49), n.bridgePort(49)];
    for (const name of all) {
      expect(name.startsWith('mesh-0a0b0c-')).toBe(true);
      expect(labIdOf(name)).toBe('0a0b0c');
    }
    expect(n.bridgePort(49).length).toBeLessThanOrEqual(15);
    expect(labIdOf('mesh-xyz-server')).toBeUndefined();
    expect(labIdOf('other-0a0b0c-server')).toBeUndefined();
  });
});
