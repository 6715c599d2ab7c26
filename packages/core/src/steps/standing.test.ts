import type { TailnetStatus } from '@mesh/tailscale';
import { describe, expect, it } from 'vitest';
import { nodeStanding } from './standing.js';

const NOW = Date.parse('2026-11-29T12:00:00Z');

function status(backendState: string, self: Record<string, unknown> = {}): TailnetStatus {
  return {
    backendState,
    ips: ['100.64.0.2'],
    self: { raw: self } as unknown as TailnetStatus['self'],
    peers: [],
    health: [],
    magicDnsSuffix: '',
    version: '',
    raw: { BackendState: backendState } as TailnetStatus['raw'],
  };
}

describe('nodeStanding', () => {
  it.each([
    [undefined, false, 'down', 'mesh doctor --fix'],
    [status('Running'), true, 'Running', ''],
    [status('NeedsLogin'), false, 'NeedsLogin', 'mesh client join --key-file'],
    [status('NeedsMachineAuth'), false, 'NeedsMachineAuth', 'approve'],
    [status('Stopped'), false, 'Stopped', 'mesh doctor --fix'],
    [status('Starting'), false, 'Starting', 'mesh doctor --fix'],
    [status('Weird'), false, 'Weird', 'mesh client join'],
    [status('Running', { KeyExpiry: '2026-11-29T11:59:00Z' }), false, 'expired', '--key-file'],
    [status('Running', { Expired: true }), false, 'expired', '--key-file'],
    [status('Running', { KeyExpiry: '2026-11-30T00:00:00Z' }), true, 'Running', ''],
  ])('%#: ok %s, state %s', (ts, ok, state, fix) => {
    const s = nodeStanding(ts, NOW);
    expect(s).toMatchObject({ ok, state });
    expect(s.message).not.toBe('');
    if (fix) expect(s.fix).toContain(fix);
    else expect(s.fix).toBe('');
  });
});
