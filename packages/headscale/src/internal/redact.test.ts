import { describe, expect, it } from 'vitest';
import { HeadscaleAuthError } from '../errors.js';
import { redact, registerSecret } from './redact.js';

describe('redact', () => {
  it('removes every key shape Headscale hands out', () => {
    const text = [
      'hskey-api-O-GNkX5Oh_lz-837EYJOezizMr8Vkk2jKOLKHha2lrl2880oST64RRxNwBNLIRorGOvsDcLZmqzfx',
      'hskey-auth-nhQ9TFoqov8W-R0I9DUWR30jNKnT3f4tn4SDA1H4SZMpyDWXclADpxTEg_gB8XBseuC2lTM66XVoS',
      'VtLw3fn.vkfBifHUU1o6Ci0ioXm8evmZJ2zBkIMU',
      'bc65ff0f975ff9b200898cee4d3e1e05d6a555de37a97c9f',
      'Authorization: Bearer abc',
    ].join(' ');
    const out = redact(text);
    expect(out).not.toMatch(/837EYJ|R0I9DU|vkfBif|bc65ff|abc$/);
    expect(out).toContain('Bearer ***');
  });
  it('removes registered secrets of any shape, also inside errors', () => {
    registerSecret('plain-secret-value');
    const err = new HeadscaleAuthError('failed with plain-secret-value', {
      command: 'x plain-secret-value',
    });
    expect(err.message).not.toContain('plain-secret-value');
    expect(err.command).not.toContain('plain-secret-value');
  });
});
