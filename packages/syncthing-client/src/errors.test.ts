import { ABORT_HINT, FALLBACK_HINT, REDACTED } from '@mesh/errors';
import { describe, expect, it } from 'vitest';
import {
  isSyncthingError,
  redactUrl,
  SyncthingAbortError,
  SyncthingAuthError,
  SyncthingError,
  SyncthingTimeoutError,
} from './errors.js';

describe('Syncthing errors', () => {
  it('name the call with its credentials redacted', () => {
    const e = new SyncthingAuthError(403, 'CSRF Error', {
      method: 'GET',
      url: 'http://u:pw-secret@127.0.0.1:8384/rest/system/status?api_key=k',
    });
    const url = `http://${REDACTED}@127.0.0.1:8384/rest/system/status?api_key=${REDACTED}`;
    expect(e.url).toBe(url);
    expect(e.message).toBe(`GET ${url} failed: 403 CSRF Error`);
    expect(redactUrl('http://127.0.0.1:8384/rest/db/status?folder=x')).toBe(
      'http://127.0.0.1:8384/rest/db/status?folder=x',
    );
  });

  it('never have an empty hint; aborts say they were cancelled', () => {
    expect(new SyncthingError('x').hint).toBe(FALLBACK_HINT);
    expect(new SyncthingAbortError('x').hint).toBe(ABORT_HINT);
    expect(new SyncthingTimeoutError('x', { timeoutMs: 5 }).timeoutMs).toBe(5);
  });

  it('are recognised by brand', () => {
    expect(isSyncthingError(new SyncthingAbortError('x'))).toBe(true);
    expect(isSyncthingError(new Error('x'))).toBe(false);
  });
});
