import { describe, expect, it } from 'vitest';
import { useColour } from './colour.js';

const tty = { isTTY: true };
const pipe = { isTTY: false };

describe('useColour', () => {
  it('colours a TTY only, and never a dumb terminal', () => {
    expect(useColour(tty, {})).toBe(true);
    expect(useColour(pipe, {})).toBe(false);
    expect(useColour(tty, { TERM: 'dumb' })).toBe(false);
  });

  it.each(['0', 'false'])('FORCE_COLOR=%s turns colour off, even on a TTY', (value) => {
    expect(useColour(tty, { FORCE_COLOR: value })).toBe(false);
  });

  it.each(['1', '2', '3', 'true', ''])('FORCE_COLOR=%j colours without a TTY', (value) => {
    expect(useColour(pipe, { FORCE_COLOR: value })).toBe(true);
    expect(useColour(pipe, { FORCE_COLOR: value, TERM: 'dumb' })).toBe(true);
  });

  it('ignores a FORCE_COLOR it cannot read', () => {
    expect(useColour(pipe, { FORCE_COLOR: 'yes' })).toBe(false);
    expect(useColour(tty, { FORCE_COLOR: 'yes' })).toBe(true);
  });

  it('NO_COLOR wins over FORCE_COLOR; an empty NO_COLOR counts as unset', () => {
    expect(useColour(tty, { NO_COLOR: '1', FORCE_COLOR: '3' })).toBe(false);
    expect(useColour(tty, { NO_COLOR: '' })).toBe(true);
  });
});
