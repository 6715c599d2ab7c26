import { ABORT_HINT, FALLBACK_HINT, REDACTED, rememberSecret } from '@mesh/errors';
import { describe, expect, it } from 'vitest';
import {
  isTailscaleError,
  TailscaleAbortError,
  TailscaleCommandError,
  TailscaleError,
  TailscaleTimeoutError,
} from './errors.js';

describe('Tailscale errors', () => {
  it('remove keys and remembered secrets from message, hint, command and stderr', () => {
    rememberSecret('plain-secret-value');
    const e = new TailscaleError('saw plain-secret-value', { hint: 'not plain-secret-value' });
    expect(e.message).toBe(`saw ${REDACTED}`);
    expect(e.hint).toBe(`not ${REDACTED}`);
    const c = new TailscaleCommandError(
      'tailscale up --auth-key=hskey-auth-zzz',
      1,
      'bad plain-secret-value',
    );
    expect(c.command).toBe(`tailscale up --auth-key=${REDACTED}`);
    expect(c.stderr).toBe(`bad ${REDACTED}`);
    expect(c.message).not.toContain('zzz');
  });

  it('never have an empty hint; aborts say they were cancelled', () => {
    expect(new TailscaleError('x').hint).toBe(FALLBACK_HINT);
    expect(new TailscaleAbortError('x').hint).toBe(ABORT_HINT);
    expect(new TailscaleTimeoutError('tailscale up', 30_000).timeoutMs).toBe(30_000);
  });

  it('are recognised by brand', () => {
    expect(isTailscaleError(new TailscaleAbortError('x'))).toBe(true);
    expect(isTailscaleError(new Error('x'))).toBe(false);
  });
});
