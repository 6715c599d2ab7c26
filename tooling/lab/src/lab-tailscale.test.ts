import { describe, expect, it } from 'vitest';
import { redactKey, tailnetIpv4 } from './lab-tailscale.js';

describe('tailnetIpv4', () => {
  it('takes the first address `tailscale ip -4` prints', () => {
    expect(tailnetIpv4({ exitCode: 0, stdout: '100.64.0.2\n' })).toBe('100.64.0.2');
    expect(tailnetIpv4({ exitCode: 0, stdout: '100.64.0.2\n100.64.0.9\n' })).toBe('100.64.0.2');
  });

  it('has none yet while the command fails or prints nothing', () => {
    expect(tailnetIpv4({ exitCode: 1, stdout: '100.64.0.2\n' })).toBeUndefined();
    expect(tailnetIpv4({ exitCode: 0, stdout: '\n' })).toBeUndefined();
  });
});

describe('redactKey', () => {
  it('replaces every occurrence of the key', () => {
    expect(redactKey('bad key hskey-1; hskey-1 again', 'hskey-1')).toBe(
      'bad key [REDACTED]; [REDACTED] again',
    );
  });

  it('leaves the text alone for an empty key', () => {
    expect(redactKey('some error', '')).toBe('some error');
  });
});
