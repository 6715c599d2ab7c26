import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import path from 'node:path';
import { parseDeviceId, sameDeviceId } from '@mesh/syncthing-client';
import { LocalApiClient, toTailnetStatus } from '@mesh/tailscale';
import type { MeshContext } from '../context.js';
import { MeshError } from '../errors.js';
import { followAddress } from '../internal/follow-address.js';
import { connectSyncthing, type LocalSyncthing } from '../steps/syncthing.js';
import { VOUCH_ASKER_HEADER, VOUCH_PATH, VOUCH_PORT, type VouchAnswer } from './protocol.js';

export interface ServeVouchesOptions {
  signal: AbortSignal;
  /** @default VOUCH_PORT (tests on loopback may pick another) */
  port?: number;
  /** How often the tailnet address is checked for a change, in ms (0.2 s until it listens). @default 5000 */
  recheckMs?: number;
  /**
   * A node whose device this Syncthing does not have asked while pairing: it adds this node
   * without dialling, and waits for this one to pair with it (the agent pairs at once). With
   * the tailnet IP it asked from.
   */
  onStranger?: (ip: string) => void;
  /** Called once listening on `ip:port` (again after the address changed). */
  onListening?: (address: string) => void;
  onError?: (error: unknown) => void;
}

/** `::ffff:100.64.0.1` (an IPv4 caller on a dual-stack socket) → `100.64.0.1`. */
function plainAddress(address: string | undefined): string {
  return (address ?? '').replace(/^::ffff:/i, '');
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

/**
 * What this node vouches for, told only to a caller tailscaled identifies as a tailnet node
 * (`whois` of the caller's address and port): this node's ID and name as the control server
 * lists it, its tailnet addresses, and the device ID of its own Syncthing (from `cert.pem`)
 * with the role's sync port. A caller that names its own device (header `x-mesh-device`) learns
 * whether this node's Syncthing has it (`knows`).
 */
async function answer(
  ctx: MeshContext,
  api: LocalApiClient,
  syncthing: () => Promise<LocalSyncthing>,
  req: IncomingMessage,
): Promise<{ status: number; body: VouchAnswer | { error: string } }> {
  if (req.method !== 'GET' || req.url !== VOUCH_PATH) {
    return { status: 404, body: { error: `only GET ${VOUCH_PATH} is answered here` } };
  }
  const asker = req.headers[VOUCH_ASKER_HEADER];
  let askerId: string | undefined;
  if (asker !== undefined) {
    try {
      askerId = parseDeviceId(String(asker)).id;
    } catch {
      return { status: 400, body: { error: `${VOUCH_ASKER_HEADER} is not a Syncthing device ID` } };
    }
  }
  const caller = `${plainAddress(req.socket.remoteAddress)}:${req.socket.remotePort ?? 0}`;
  const who = await api.whois(caller, { timeout: 3000 }).catch(() => undefined);
  if (!who?.Node)
    return { status: 403, body: { error: 'the caller is not a node of this tailnet' } };
  const self = toTailnetStatus(await api.status({ timeout: 3000, peers: false })).self;
  if (!self?.id) return { status: 503, body: { error: 'this node is not in the tailnet' } };
  const st = await syncthing().catch(() => undefined);
  if (!st) return { status: 503, body: { error: 'Syncthing is not set up on this node' } };
  const knows = askerId === undefined ? undefined : await hasDevice(st, askerId);
  return {
    status: 200,
    body: {
      mesh: 1,
      node: { id: self.id, name: self.hostname },
      ips: self.ips,
      syncthing: { deviceId: st.deviceId, port: ctx.ports.syncthingSync },
      ...(knows === undefined ? {} : { knows }),
    },
  };
}

/** Whether the local Syncthing has `deviceId` in its config; undefined when it does not answer. */
async function hasDevice(st: LocalSyncthing, deviceId: string): Promise<boolean | undefined> {
  try {
    const devices = await st.client.config.devices.list();
    return devices.some((d) => sameDeviceId(d.deviceID, deviceId));
  } catch {
    return undefined;
  }
}

/**
 * This node's Syncthing (its device ID, and a client) as its home was last read: config.xml and
 * cert.pem are parsed again only once either has changed. Every question needs them, and when a
 * node joins every member asks at once, several times.
 */
function syncthingOfHome(ctx: MeshContext): () => Promise<LocalSyncthing> {
  const files = ['config.xml', 'cert.pem'].map((f) => path.join(ctx.paths.syncthingHome, f));
  let last: { stamp: string; st: Promise<LocalSyncthing> } | undefined;
  return async () => {
    const stamps = await Promise.all(
      files.map((f) =>
        stat(f).then(
          (s) => `${s.size}@${s.mtimeMs}`,
          () => '-',
        ),
      ),
    );
    const stamp = stamps.join(' ');
    if (last?.stamp !== stamp) last = { stamp, st: connectSyncthing(ctx) };
    const read = last;
    return read.st.catch((error: unknown) => {
      if (last === read) last = undefined;
      throw error;
    });
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/**
 * The mesh agent's vouching endpoint: answers `GET /v1/syncthing` on this node's tailnet IPv4,
 * port {@link VOUCH_PORT}, until `signal` aborts. Waits for the node to be in the tailnet and
 * moves when its address changes. Binding the port needs root on Linux: a caller without it
 * gets a MeshError (kind `failure`) through `onError`, and retries on the next check.
 */
export async function serveVouches(ctx: MeshContext, o: ServeVouchesOptions): Promise<void> {
  const port = o.port ?? VOUCH_PORT;
  const api = new LocalApiClient({ socketPath: ctx.paths.tailscale.socketPath });
  const syncthing = syncthingOfHome(ctx);
  const server = createServer((req, res) => {
    answer(ctx, api, syncthing, req)
      .then(({ status, body }) => {
        reply(res, status, body);
        if ('knows' in body && body.knows === false) {
          o.onStranger?.(plainAddress(req.socket.remoteAddress));
        }
      })
      .catch((error: unknown) => {
        reply(res, 500, { error: 'internal error' });
        o.onError?.(error);
      });
  });
  server.keepAliveTimeout = 5000;
  server.headersTimeout = 5000;
  server.requestTimeout = 10_000;
  const close = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      server.closeAllConnections();
    });
  try {
    await followAddress<string>({
      signal: o.signal,
      want: async () => {
        const status = await api
          .status({ timeout: 3000, peers: false })
          .then(toTailnetStatus)
          .catch(() => undefined);
        return status?.backendState === 'Running'
          ? status.ips.find((i) => /^\d+\.\d+\.\d+\.\d+$/.test(i))
          : undefined;
      },
      bind: async (ip) => {
        await listen(server, ip, port);
        return ip;
      },
      close,
      onBound: (ip) => o.onListening?.(`${ip}:${port}`),
      failure: (ip, error) =>
        new MeshError(`cannot answer for this node on ${ip}:${port}: ${(error as Error).message}`, {
          cause: error,
          hint:
            (error as { code?: string }).code === 'EACCES'
              ? 'the mesh agent must run as root (ports below 1024)'
              : 'is another mesh agent already running on this machine?',
        }),
      ...(o.onError ? { onError: o.onError } : {}),
      // Until it listens, look again soon: other nodes cannot pair with this one meanwhile.
      // Unbound, the node is joining (setup starts the agent beside the join) or away: the
      // members ask as soon as it is in, so its address is looked for often (a local call).
      recheckMs: (bound) => (bound ? (o.recheckMs ?? 5000) : 200),
    });
  } finally {
    await api.close();
  }
}
