import { rememberSecret, sleep } from '@mesh/errors';
import type { Dispatcher } from 'undici';
import {
  type AuthKeyRejection,
  TailscaleAuthKeyError,
  TailscaleControlUnreachableError,
  TailscaleError,
  TailscaleTimeoutError,
} from './errors.js';
import { deadline } from './internal/signals.js';
import { LocalApiClient } from './local-api.js';
import { backendStateName, type Notify, NotifyWatchOpt } from './schemas/notify.js';
import type { Prefs } from './schemas/prefs.js';
import type { Status } from './schemas/status.js';

/** Options of {@link join}. */
export interface JoinOptions {
  /** Control server URL, e.g. `http://10.99.0.1:8080` (prefer an IP literal). */
  controlUrl: string;
  /** Pre-auth key (`hskey-auth-…`). Sent only in the LocalAPI request body; never logged. */
  authKey: string;
  /** Node name in the tailnet. @default the current pref, else the OS hostname */
  hostname?: string;
  /** Accept subnet routes other nodes advertise (`--accept-routes`). @default false */
  acceptRoutes?: boolean;
  /** Accept the tailnet's DNS settings / MagicDNS (`--accept-dns`). @default true */
  acceptDns?: boolean;
  /**
   * Linux firewall handling (`--netfilter-mode`): `off` leaves iptables alone (containers,
   * namespaces without iptables). @default the daemon's current pref (on a fresh node: `on`)
   */
  netfilterMode?: 'on' | 'nodivert' | 'off';
  /** Milliseconds to wait for Running. @default 60000 */
  timeout?: number;
  /** tailscaled's LocalAPI socket. Ignored when `client` is given. */
  socketPath?: string;
  /** undici dispatcher reaching the socket. Ignored when `client` is given. */
  dispatcher?: Dispatcher;
  /** An existing client (not closed by `join`). */
  client?: LocalApiClient;
  /**
   * Restarts tailscaled (its service). When given, the daemon of the node that registered
   * while stopped is restarted, and the new one set running (`WantRunning`), instead of the
   * node being started again without the key in the same daemon: a
   * second control client in one daemon never tells control the node's DERP home, so no peer
   * can relay to it, nor answer its first WireGuard handshake until a direct path is found
   * (and the next handshake comes 5 s later).
   */
  restartDaemon?: () => Promise<void>;
  signal?: AbortSignal;
}

/** What {@link join} returns once the node is Running. */
export interface JoinResult {
  /** False when the node was already Running against `controlUrl` (nothing was done). */
  changed: boolean;
  backendState: 'Running';
  /** All tailnet IPs of this node. */
  ips: string[];
  ipv4: string | undefined;
  ipv6: string | undefined;
  hostname: string;
  /** MagicDNS name without the trailing dot. */
  dnsName: string;
  controlUrl: string;
}

const STOPPED = 4;
const RUNNING = 6;
/** How long a fresh map may take to name the online peers' DERP homes (past it, one has none). */
export const PEER_ROUTES_WAIT_MS = 1_000;

/**
 * Whether every online peer has a DERP home in this node's map: without one, and before a
 * direct path is found, tailscaled drops what it would send that peer ("no UDP or DERP addr").
 */
export function peerRoutesKnown(s: Status): boolean {
  return Object.values(s.Peer ?? {}).every((p) => !p.Online || Boolean(p.Relay || p.CurAddr));
}

/** `preftype.NetfilterMode` values. */
const NETFILTER = { off: 0, nodivert: 1, on: 2 } as const;
const AUTH_WORDS = /auth[ -]?key|pre[ -]?auth/i;
const UNREACHABLE =
  /fetch control key|dial tcp|connection refused|no route to host|network is unreachable|i\/o timeout|deadline exceeded|connection reset|EOF/i;

/**
 * Reads status with `read` until every online peer has a route ({@link peerRoutesKnown}) or
 * {@link PEER_ROUTES_WAIT_MS} passed, and returns the last answer. A node that has just joined
 * runs for a moment on a map that gives its peers no DERP home: a packet sent then loses its
 * WireGuard handshake, and TCP waits 5 s to send it again.
 */
export async function waitForPeerRoutes<T>(
  read: () => Promise<T>,
  status: (answer: T) => Status,
  signal?: AbortSignal,
): Promise<T> {
  const until = Date.now() + PEER_ROUTES_WAIT_MS;
  for (;;) {
    const answer = await read();
    if (peerRoutesKnown(status(answer)) || Date.now() >= until) return answer;
    await sleep(20, signal);
  }
}

/** Reads Headscale's (or Tailscale's) rejection text; undefined if it is not about the key. */
export function classifyAuthKeyMessage(text: string): AuthKeyRejection | undefined {
  if (!AUTH_WORDS.test(text)) return undefined;
  if (/expired/i.test(text)) return 'expired';
  if (/already (been )?used/i.test(text)) return 'used';
  if (/invalid|not found|does not exist|failed to parse|unable to validate|too short/i.test(text))
    return 'invalid';
  return undefined;
}

function sameControlUrl(a: string | undefined, b: string): boolean {
  return (a ?? '').replace(/\/+$/, '').toLowerCase() === b.replace(/\/+$/, '').toLowerCase();
}

function loginError(n: Notify): string | undefined {
  const w = n.Health?.Warnings?.['login-state'];
  const text = w?.Text ?? '';
  const m = /last login error was: (.*)$/s.exec(text);
  return m?.[1];
}

function result(s: Status, controlUrl: string, changed: boolean): JoinResult {
  const ips = [...(s.TailscaleIPs ?? [])];
  return {
    changed,
    backendState: 'Running',
    ips,
    ipv4: ips.find((ip) => !ip.includes(':')),
    ipv6: ips.find((ip) => ip.includes(':')),
    hostname: s.Self?.HostName ?? '',
    dnsName: (s.Self?.DNSName ?? '').replace(/\.$/, ''),
    controlUrl,
  };
}

/** Prefs to send with `start`: the daemon's current ones (keeping its defaults), changed. */
function updatedPrefs(current: Prefs, o: JoinOptions): Record<string, unknown> {
  const { Persist: _p, Config: _c, ...rest } = current as Record<string, unknown>;
  return {
    ...rest,
    ControlURL: o.controlUrl,
    WantRunning: true,
    LoggedOut: false,
    RouteAll: o.acceptRoutes ?? false,
    CorpDNS: o.acceptDns ?? true,
    ...(o.hostname === undefined ? {} : { Hostname: o.hostname }),
    ...(o.netfilterMode === undefined ? {} : { NetfilterMode: NETFILTER[o.netfilterMode] }),
  };
}

/**
 * Joins the tailnet of a self-hosted control server with a pre-auth key, through the LocalAPI
 * (so the key never appears in any process's argv), and returns once the node is Running with
 * its tailnet IPs.
 *
 * Already Running against the same control URL: returns at once with `changed: false`.
 * Running against another control URL: logs out first (the CLI would demand --force-reauth).
 *
 * The daemon is left without the key: tailscaled keeps the key given to `start` for the life of
 * its control client and registers with it again whenever control rejects the node key, so a
 * node removed at the control server would be back within a second. The node registers while
 * stopped, then starts with a second control client that never had the key.
 *
 * @throws TailscaleAuthKeyError the control server refused the key (`reason`: invalid, expired,
 *   used); Headscale reports this at once on the IPN bus (`ErrMessage`).
 * @throws TailscaleControlUnreachableError the deadline passed while control could not be reached.
 * @throws TailscaleTimeoutError the deadline passed for another reason (message has state/health).
 * @throws TailscaleAbortError `signal` aborted.
 *
 * @example
 * ```ts
 * const r = await join({ controlUrl: 'http://10.99.0.1:8080', authKey, hostname: 'wsl',
 *   socketPath: '/run/mesh/wsl/tailscaled.sock', timeout: 30_000 });
 * console.log(r.ipv4);
 * ```
 */
export async function join(o: JoinOptions): Promise<JoinResult> {
  let url: URL;
  try {
    url = new URL(o.controlUrl);
  } catch (e) {
    throw new TailscaleError(`controlUrl is not a URL: "${o.controlUrl}"`, { cause: e });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TailscaleError(`controlUrl must be http(s), got "${o.controlUrl}"`);
  }
  if (!o.authKey) throw new TailscaleError('authKey is empty');
  rememberSecret(o.authKey);

  const client =
    o.client ??
    new LocalApiClient({
      ...(o.socketPath === undefined ? {} : { socketPath: o.socketPath }),
      ...(o.dispatcher === undefined ? {} : { dispatcher: o.dispatcher }),
    });
  const timeoutMs = o.timeout ?? 60_000;
  const d = deadline(timeoutMs, o.signal);
  const call = { signal: d.signal };
  // A login error left by an earlier attempt; seeing it again proves nothing about this key.
  let staleLoginError: string | undefined;
  // Until the registration is done the node is stopped, and tailscaled then hides login errors.
  let stopped = false;
  let registered = false;
  try {
    const [before, prefs] = await Promise.all([
      client.status({ ...call, peers: false }),
      client.getPrefs(call),
    ]);
    if (before.BackendState === 'Running') {
      if (sameControlUrl(prefs.ControlURL, o.controlUrl))
        return result(before, o.controlUrl, false);
      await client.logout(call);
    }

    // Subscribe before starting, so no transition is missed; the first message is the state.
    const bus = client.watchIpnBus({
      mask: NotifyWatchOpt.InitialState | NotifyWatchOpt.InitialHealthState,
      signal: d.signal,
    });
    const first = await bus.next();
    staleLoginError = first.done ? undefined : loginError(first.value);

    const wanted = updatedPrefs(prefs, o);
    stopped = true;
    await client.start(
      { UpdatePrefs: { ...wanted, WantRunning: false }, AuthKey: o.authKey },
      call,
    );
    // As `tailscale up` does: without a node key the backend waits for a login to be requested
    // (it then registers with the auth key given to start, no URL involved).
    if (!before.HaveNodeKey) await client.loginInteractive(call);

    let state = first.done ? 'unknown' : backendStateName(first.value.State ?? 0);
    // A node control still knows logs in without a registration to wait for: once Stopped again.
    const mustRegister = !before.HaveNodeKey || before.BackendState === 'NeedsLogin';
    let sawOther = first.done || first.value.State !== STOPPED;
    let running = false;
    let fallback: NodeJS.Timeout | undefined;
    let restarted = false;
    const startWithoutKey = async () => {
      registered = true;
      // The login is announced before a new node key is saved; a start without one would wait
      // for a login URL.
      while (!(await client.status({ ...call, peers: false })).HaveNodeKey) {
        await sleep(20, d.signal);
      }
      if (o.restartDaemon) {
        // Still stopped: a daemon set running here would bring up its engine and firewall only
        // to tear them down again (about 0.4 s). The new one is set running once it answers,
        // which resumes its one control client (it never held the key): no second client, so
        // control learns the node's DERP home.
        await o.restartDaemon();
        restarted = true;
        while (!(await client.status({ ...call, peers: false }).catch(() => undefined))) {
          await sleep(20, d.signal);
        }
        await client.patchPrefs({ WantRunning: true }, call);
      } else await client.start({ UpdatePrefs: wanted }, call);
    };
    try {
      for await (const n of bus) {
        if (restarted) break;
        if (n.ErrMessage) {
          const reason = classifyAuthKeyMessage(n.ErrMessage);
          if (reason) throw new TailscaleAuthKeyError(reason, n.ErrMessage);
          throw new TailscaleError(`tailscaled reported: ${n.ErrMessage}`, {
            hint: 'check the control server log and `tailscale status`',
          });
        }
        if (!registered && n.LoginFinished) await startWithoutKey();
        const le = loginError(n);
        if (le && le !== staleLoginError) {
          const reason = classifyAuthKeyMessage(le);
          if (reason) throw new TailscaleAuthKeyError(reason, le);
        }
        if (n.State != null) {
          state = backendStateName(n.State);
          if (n.State === RUNNING && registered) {
            running = true;
            break;
          }
          if (n.State !== STOPPED) sawOther = true;
          if (registered) continue;
          // Running before the keyless start (a setup interrupted after its login was started by
          // someone else): the client that runs may be the one that holds the key. Stopped again
          // with no registration to wait for: the login is done.
          if (n.State === RUNNING || (n.State === STOPPED && sawOther && !mustRegister)) {
            await startWithoutKey();
          } else if (n.State === STOPPED && sawOther) {
            // No login to finish after all (an interrupted join had done it): start it anyway.
            fallback ??= setTimeout(() => {
              if (!registered) startWithoutKey().catch(() => undefined);
            }, 3_000);
          }
        }
      }
    } catch (e) {
      // The daemon's restart ends the bus.
      if (!restarted) throw e;
    }
    clearTimeout(fallback);
    if (!running && !restarted)
      throw d.reason('join') ?? new TailscaleError(`IPN bus closed in state ${state}`);

    // Running comes with the map the stopped node fetched, which gives no peer a DERP home.
    const runningWithIps = async () => {
      for (;;) {
        const s = await client.status(call);
        if (s.BackendState === 'Running' && (s.TailscaleIPs ?? []).length > 0) return s;
        await sleep(20, d.signal);
      }
    };
    return result(await waitForPeerRoutes(runningWithIps, (s) => s, d.signal), o.controlUrl, true);
  } catch (e) {
    if (e instanceof TailscaleTimeoutError || (d.signal.aborted && !o.signal?.aborted)) {
      throw await explainTimeout(client, o.controlUrl, url, timeoutMs, staleLoginError, e, {
        stopped: stopped && !registered,
      });
    }
    if (d.signal.aborted && o.signal?.aborted) throw d.reason('join') ?? e;
    throw e;
  } finally {
    if (!o.client) await client.close();
  }
}

/** After the deadline: read health once more and pick the most precise error. */
async function explainTimeout(
  client: LocalApiClient,
  controlUrl: string,
  url: URL,
  timeoutMs: number,
  stale: string | undefined,
  cause: unknown,
  o: { stopped: boolean },
): Promise<TailscaleError> {
  let s: Status | undefined;
  try {
    // A stopped node's health says only that it is stopped: wanting it running for a moment
    // shows the last login error.
    if (o.stopped) await client.patchPrefs({ WantRunning: true }, { timeout: 3_000 });
    s = await client.status({ peers: false, timeout: 3_000 });
    if (o.stopped) await client.patchPrefs({ WantRunning: false }, { timeout: 3_000 });
  } catch {
    // The daemon itself went away; the timeout is still the best description.
  }
  const health = s?.Health ?? [];
  const hit = health.find((h) => h.includes(url.host) && UNREACHABLE.test(h));
  if (hit) return new TailscaleControlUnreachableError(controlUrl, hit, { cause });
  const auth = health
    .map((h) => /last login error was: (.*)$/s.exec(h)?.[1])
    .find(
      (t): t is string => t !== undefined && t !== stale && classifyAuthKeyMessage(t) !== undefined,
    );
  if (auth) {
    return new TailscaleAuthKeyError(classifyAuthKeyMessage(auth) as AuthKeyRejection, auth, {
      cause,
    });
  }
  const state = s?.BackendState ?? 'unknown';
  return new TailscaleTimeoutError(
    `join (state ${state}${health.length ? `; health: ${health.join(' | ')}` : ''})`,
    timeoutMs,
    { cause },
  );
}
