import { ABORT_HINT, FALLBACK_HINT, REDACTED, rememberSecret } from '@mesh/errors';
import { describe, expect, it } from 'vitest';
import {
  HeadscaleAbortError,
  HeadscaleAuthError,
  HeadscaleCommandError,
  HeadscaleConnectionError,
  HeadscaleError,
  HeadscaleTimeoutError,
  isHeadscaleError,
} from './errors.js';

describe('Headscale errors', () => {
  it('remove keys and remembered secrets from message, command, URL and stderr', () => {
    rememberSecret('plain-secret-value');
    const auth = new HeadscaleAuthError('failed with plain-secret-value', {
      command: 'x plain-secret-value',
      url: 'http://h/api/v1/node?token=t0k3n',
    });
    expect(auth.message).toBe(`failed with ${REDACTED}`);
    expect(auth.command).toBe(`x ${REDACTED}`);
    expect(auth.url).toBe(`http://h/api/v1/node?token=${REDACTED}`);
    const cmd = new HeadscaleCommandError('headscale preauthkeys create failed', {
      stderr: 'made hskey-auth-abc-SECRET',
      exitCode: 1,
    });
    expect(cmd.stderr).toBe(`made hskey-auth-${REDACTED}`);
  });

  it('never have an empty hint; aborts say they were cancelled', () => {
    expect(new HeadscaleError('x').hint).toBe(FALLBACK_HINT);
    expect(new HeadscaleError('x', { hint: '' }).hint).toBe(FALLBACK_HINT);
    expect(new HeadscaleAbortError('x').hint).toBe(ABORT_HINT);
  });

  it('make a timeout its own class, still a connection error', () => {
    const t = new HeadscaleTimeoutError('GET /health timed out after 5 ms', { timeoutMs: 5 });
    expect(t).toBeInstanceOf(HeadscaleConnectionError);
    expect(t.name).toBe('HeadscaleTimeoutError');
    expect(t.timedOut).toBe(true);
    expect(t.timeoutMs).toBe(5);
    expect(new HeadscaleConnectionError('refused').timedOut).toBe(false);
  });

  it('give every command error a command, exit code and stderr', () => {
    const e = new HeadscaleCommandError('cannot run headscale');
    expect({ command: e.command, exitCode: e.exitCode, stderr: e.stderr }).toEqual({
      command: '',
      exitCode: -1,
      stderr: '',
    });
  });

  it('are recognised by brand, across copies', () => {
    expect(isHeadscaleError(new HeadscaleTimeoutError('x'))).toBe(true);
    expect(isHeadscaleError(new Error('x'))).toBe(false);
    const copy = Object.defineProperty(new Error('x'), Symbol.for('@mesh/headscale/error'), {
      value: true,
    });
    expect(isHeadscaleError(copy)).toBe(true);
  });
});
