import { describe, expect, it } from 'vitest';
import { labGate, labRetries } from './describe-lab.js';

describe('labGate', () => {
  const missing = { ok: false, reason: 'needs root' } as const;

  it('runs when the lab is available', () => {
    expect(labGate({ ok: true }, {})).toEqual({ action: 'run' });
  });

  it('fails instead of skipping when MESH_REQUIRE_LAB=1', () => {
    expect(labGate(missing, { MESH_REQUIRE_LAB: '1' })).toEqual({
      action: 'fail',
      message: 'lab required but unavailable: needs root',
    });
  });

  it('skips with the reason otherwise', () => {
    const gate = labGate(missing, {});
    expect(gate.action).toBe('skip');
    expect(gate).toMatchObject({ message: expect.stringContaining('needs root') });
  });
});

describe('labRetries', () => {
  it('retries a failed lab test once unless MESH_LAB_RETRY says otherwise', () => {
    expect(labRetries({})).toBe(1);
    expect(labRetries({ MESH_LAB_RETRY: '0' })).toBe(0);
    expect(labRetries({ MESH_LAB_RETRY: '2' })).toBe(2);
    expect(labRetries({ MESH_LAB_RETRY: 'x' })).toBe(1);
  });
});
