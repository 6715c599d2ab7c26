import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { portHolders, type SocketHolder, type SocketProtocol, tcpListens } from '@mesh/platform';
import { parseSyncthingConfigXml, SyncthingClient } from '@mesh/syncthing-client';
import type { MeshContext } from '../context.js';
import { MeshError } from '../errors.js';
import { syncthingHomeOf } from '../paths.js';

/** A port the role's Syncthing binds, as `ensureSyncthing` has it bind it. */
export interface SyncthingPort {
  port: number;
  protocol: SocketProtocol;
  /** The address Syncthing binds (`0.0.0.0`: every address). */
  bindAddress: string;
  /** What the port is for, as the message names it. */
  what: 'Syncthing GUI' | 'Syncthing sync' | 'Syncthing sync, UDP';
}

/** The ports this machine's Syncthing needs: its GUI on loopback, its sync port (TCP and UDP). */
export function syncthingPorts(ctx: Pick<MeshContext, 'ports'>): SyncthingPort[] {
  const { syncthingGui: gui, syncthingSync: sync } = ctx.ports;
  return [
    { port: gui, protocol: 'tcp', bindAddress: '127.0.0.1', what: 'Syncthing GUI' },
    { port: sync, protocol: 'tcp', bindAddress: '0.0.0.0', what: 'Syncthing sync' },
    { port: sync, protocol: 'udp', bindAddress: '0.0.0.0', what: 'Syncthing sync, UDP' },
  ];
}

/**
 * The homes of the Syncthing mesh set up here: its home, and, while `MESH_DEFAULT_USER` is
 * new, the home of the Syncthing it ran as this user before, which setup stops and moves.
 */
export function ownSyncthingHomes(
  ctx: Pick<MeshContext, 'paths' | 'syncthingUser'>,
): readonly string[] {
  const homes = [ctx.paths.syncthingHome];
  if (ctx.syncthingUser) homes.push(syncthingHomeOf(ctx.paths.home));
  return homes.map((h) => path.resolve(h));
}

/** Whether `commandLine` runs Syncthing on one of `homes` (`--home=H` or `--home H`, or `-home`). */
export function startedWithHome(commandLine: readonly string[], homes: readonly string[]): boolean {
  const wanted = new Set(homes.map((h) => path.resolve(h)));
  for (const [i, arg] of commandLine.entries()) {
    const m = /^--?home(?:=(.*))?$/.exec(arg);
    if (!m) continue;
    const home = m[1] ?? commandLine[i + 1];
    if (home && wanted.has(path.resolve(home))) return true;
  }
  return false;
}

/** What answered on the GUI port with mesh's API key: its listeners and their errors. */
export interface OwnSyncthingAnswer {
  /** `connectionServiceStatus`: listen URL (`tcp://0.0.0.0:22001`) → its error, if any. */
  listeners: Record<string, { error?: string | null | undefined }>;
}

/** The holders of one socket in the way (empty: who holds it cannot be told). */
export interface Holding {
  holders: readonly SocketHolder[];
}

/** What {@link firstBlocker} knows about the Syncthing mesh set up here. */
export interface OwnSyncthingFacts {
  homes: readonly string[];
  /** The sockets in the way of the GUI port: whoever answers there with our key holds them. */
  guiHoldings: readonly Holding[];
  /** Asks the GUI port with mesh's API key; undefined when nothing answers so. Asked lazily. */
  answer: () => Promise<OwnSyncthingAnswer | undefined>;
}

// A listen URL of Syncthing's (`tcp4://0.0.0.0:22001`, `quic://[::]:22001`) on `port`.
function ownListenerWorks(answer: OwnSyncthingAnswer, p: SyncthingPort): boolean {
  const scheme = p.protocol === 'tcp' ? 'tcp' : 'quic';
  return Object.entries(answer.listeners).some(([url, l]) => {
    const m = /^([a-z]+?)[46]?:\/\/.*:(\d+)\/?(?:\?.*)?$/.exec(url);
    return m?.[1] === scheme && Number(m[2]) === p.port && !l.error;
  });
}

/**
 * The first socket in `p`'s way that is not held by mesh's own Syncthing, as the holder to
 * name (`{}` when who holds it cannot be told); undefined when nothing else is in the way. A
 * holder is mesh's own when its command line has one of its homes, or when it holds the GUI
 * port and something answers there with mesh's API key. A socket whose holder cannot be seen
 * (another user's process, without root) is mesh's own only if Syncthing answers with the key:
 * on the GUI port that is it; on the sync port its listener there must work.
 */
export async function firstBlocker(
  p: SyncthingPort,
  holdings: readonly Holding[],
  facts: OwnSyncthingFacts,
): Promise<{ holder?: SocketHolder } | undefined> {
  for (const holding of holdings) {
    if (holding.holders.some((h) => startedWithHome(h.commandLine, facts.homes))) continue;
    if (holding.holders.length > 0) {
      const gui = new Set(facts.guiHoldings.flatMap((g) => g.holders.map((h) => h.pid)));
      if (holding.holders.some((h) => gui.has(h.pid)) && (await facts.answer())) continue;
      return { holder: holding.holders[0] as SocketHolder };
    }
    const answer = await facts.answer();
    if (answer && (p.what === 'Syncthing GUI' || ownListenerWorks(answer, p))) continue;
    return {};
  }
  return undefined;
}

/** The error for a port another program holds: exit 4, before anything changed. */
export function portInUseError(
  p: SyncthingPort,
  blocker: { holder?: SocketHolder },
  home: string,
): MeshError {
  const h = blocker.holder;
  const by = h ? `${h.name} (pid ${h.pid})` : 'another program';
  const ss = `sudo ss -${p.protocol === 'udp' ? 'lunp' : 'ltnp'} 'sport = :${p.port}'`;
  const free = h
    ? /^syncthing/i.test(h.name)
      ? `it is a Syncthing that mesh did not set up (not --home=${home}): stop it, or free port ${p.port}`
      : `stop that program, or free port ${p.port}`
    : `stop that program, or free port ${p.port} (${ss} names it)`;
  return new MeshError(`Port ${p.port} (${p.what}) is in use by ${by}`, {
    kind: 'badInput',
    hint: `${free}, then run the command again; nothing was changed`,
  });
}

async function askOwnSyncthing(
  ctx: MeshContext,
  homes: readonly string[],
): Promise<OwnSyncthingAnswer | undefined> {
  for (const home of homes) {
    const xml = await readFile(path.join(home, 'config.xml'), 'utf8').catch(() => undefined);
    if (xml === undefined) continue;
    let config: ReturnType<typeof parseSyncthingConfigXml>;
    try {
      config = parseSyncthingConfigXml(xml);
    } catch {
      continue;
    }
    if (!config.apiKey) continue;
    const client = new SyncthingClient({
      baseUrl: `${config.tls ? 'https' : 'http'}://127.0.0.1:${ctx.ports.syncthingGui}`,
      apiKey: config.apiKey,
      timeout: 3000,
      maxRetries: 0,
    });
    try {
      await client.system.ping({ timeout: 2000 });
    } catch {
      continue;
    }
    const status = await client.system.status().catch(() => undefined);
    return { listeners: status?.connectionServiceStatus ?? {} };
  }
  return undefined;
}

// Where /proc/self/net cannot be read (not Linux), a TCP port is in the way if it answers.
async function holdingsOf(p: SyncthingPort): Promise<Holding[]> {
  const found = await portHolders({
    port: p.port,
    protocol: p.protocol,
    bindAddress: p.bindAddress,
  });
  if (found !== undefined) return found;
  if (p.protocol === 'udp') return [];
  return (await tcpListens(p.port, '127.0.0.1', 1000)) ? [{ holders: [] }] : [];
}

/**
 * Fails with `badInput` when another program holds a port this machine's Syncthing needs
 * (its GUI port on 127.0.0.1, its sync port over TCP and UDP), naming the program and its pid
 * when they can be seen. Otherwise Syncthing cannot start, or starts without a sync port, and
 * setup finds out only when it does not answer within 45 s, after joining the tailnet. The
 * Syncthing mesh set up here is no obstacle: a run again finds it holding its own ports. Only
 * reads (/proc, and the GUI port when something holds it), so setup runs it before it changes
 * anything.
 */
export async function checkSyncthingPorts(ctx: MeshContext): Promise<void> {
  const ports = syncthingPorts(ctx);
  const found = await Promise.all(ports.map(holdingsOf));
  if (found.every((f) => f.length === 0)) return;
  const homes = ownSyncthingHomes(ctx);
  let asked: Promise<OwnSyncthingAnswer | undefined> | undefined;
  const facts: OwnSyncthingFacts = {
    homes,
    guiHoldings: found[0] ?? [],
    answer: () => {
      asked ??= askOwnSyncthing(ctx, homes);
      return asked;
    },
  };
  for (const [i, p] of ports.entries()) {
    const blocker = await firstBlocker(p, found[i] ?? [], facts);
    if (blocker) throw portInUseError(p, blocker, ctx.paths.syncthingHome);
  }
}
