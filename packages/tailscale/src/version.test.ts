import { describe, expect, it } from 'vitest';
import { parseTailscaleVersion } from './version.js';

describe('parseTailscaleVersion', () => {
  it('reads the first line', () => {
    expect(parseTailscaleVersion('1.98.10\n  long version: 1.98.10-mesh\n')).toBe('1.98.10');
    expect(parseTailscaleVersion('1.99.0-dev20250101\n')).toBe('1.99.0');
    expect(parseTailscaleVersion('garbage\n1.98.10')).toBeUndefined();
  });
});
