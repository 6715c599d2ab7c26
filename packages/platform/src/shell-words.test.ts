import { describe, expect, it } from 'vitest';
import { shellLine, shellQuote } from './shell-words.js';

describe('shell words', () => {
  it('quotes every word for scripts, and only what needs it for people', () => {
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellLine(['tailscale', 'up', '--auth-key=file:/tmp/my key', "it's"])).toBe(
      "tailscale up '--auth-key=file:/tmp/my key' 'it'\\''s'",
    );
  });
});
