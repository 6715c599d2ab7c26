import { HeadscaleClient } from '@mesh/headscale';
import type { TailnetStatus } from '@mesh/tailscale';

/** This node's standing in the tailnet, as one check: what is wrong and what fixes it. */
export interface NodeStanding {
  ok: boolean;
  /** `NeedsLogin`, `expired`, ... or `Running`; `down` when tailscaled does not answer. */
  state: string;
  message: string;
  /** Empty when ok. */
  fix: string;
}

const REJOIN = 'mesh client join --key-file FILE (a new key from mesh server keygen on the server)';

/**
 * Reads this node's standing from tailscaled's status: logged in and running, or why not. A
 * node whose key expired or that the control server removed needs a new login; nothing else
 * mends that, so it is named as such.
 */
export function nodeStanding(ts: TailnetStatus | undefined, now = Date.now()): NodeStanding {
  if (!ts) {
    return {
      ok: false,
      state: 'down',
      message: 'tailscaled is not running',
      fix: 'mesh doctor --fix starts it (no key needed when this node is joined)',
    };
  }
  const self = ts.self?.raw;
  const expiry = self?.KeyExpiry ? Date.parse(self.KeyExpiry) : Number.NaN;
  if (self?.Expired || (!Number.isNaN(expiry) && expiry > 0 && expiry <= now)) {
    return {
      ok: false,
      state: 'expired',
      message: `This node's key expired${self?.KeyExpiry ? ` at ${self.KeyExpiry}` : ''}: it needs a new login`,
      fix: REJOIN,
    };
  }
  switch (ts.backendState) {
    case 'Running':
      return { ok: true, state: 'Running', message: 'Tailscale is connected', fix: '' };
    case 'NeedsLogin':
      return {
        ok: false,
        state: 'NeedsLogin',
        message:
          'This node needs a new login (logged out, its key expired, or the control server removed it)',
        fix: REJOIN,
      };
    case 'NeedsMachineAuth':
      return {
        ok: false,
        state: 'NeedsMachineAuth',
        message: 'This node waits for approval at the control server',
        fix: 'on the server: mesh server nodes list, then approve or re-join with a pre-auth key',
      };
    case 'Stopped':
      return {
        ok: false,
        state: 'Stopped',
        message: 'Tailscale is stopped on this node (tailscale down)',
        fix: 'mesh doctor --fix brings it up again (no key needed)',
      };
    case 'NoState':
    case 'Starting':
      return {
        ok: false,
        state: ts.backendState,
        message: `Tailscale is still starting (state ${ts.backendState})`,
        fix: 'wait a few seconds; if it stays so, mesh doctor --fix (its log: mesh status shows where)',
      };
    default:
      return {
        ok: false,
        state: ts.backendState,
        message: `Tailscale is not connected (state ${ts.backendState})`,
        fix: 'mesh client join',
      };
  }
}

/**
 * Whether Headscale's `/health` at `url` answers `pass` within 3 s, as tailscaled would reach
 * it: the same test setup's health check makes (an answer from something else, or a Headscale
 * that cannot reach its database, is no answer).
 */
export function controlServerAnswers(url: string, signal?: AbortSignal): Promise<boolean> {
  return new HeadscaleClient({ rest: { url, timeout: 3000 } })
    .health({ timeout: 3000, ...(signal ? { signal } : {}) })
    .then(
      (health) => health.ok,
      () => false,
    );
}
