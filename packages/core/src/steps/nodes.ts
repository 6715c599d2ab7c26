import { readFile } from 'node:fs/promises';
import { HeadscaleClient, type Node } from '@mesh/headscale';
import { pathExists } from '@mesh/platform';
import type { MeshContext } from '../context.js';
import { MeshError } from '../errors.js';
import { toMeshError } from '../map-error.js';
import { MESH_USER } from './constants.js';
import { type KeySummary, summarizeKey } from './keys.js';
import {
  headscaleConfigProblem,
  headscaleService,
  localHeadscale,
  requireHeadscaleConfig,
  requireServerRole,
} from './server.js';
import { controlServerUrl } from './server-url.js';

/** A node as Mesh shows it (no keys). */
export interface NodeSummary {
  id: string;
  name: string;
  hostname: string;
  ips: string[];
  online: boolean;
  lastSeen: string | undefined;
  expiry: string | undefined;
  user: string | undefined;
  tags: string[];
}

export function summarizeNode(n: Node): NodeSummary {
  return {
    id: n.id,
    name: n.givenName || n.name,
    hostname: n.name,
    ips: n.ipAddresses,
    online: n.online,
    lastSeen: n.lastSeen?.toISOString(),
    expiry: n.expiry?.toISOString(),
    user: n.user?.name,
    tags: n.tags,
  };
}

/**
 * The server's Headscale client: REST with the API key `mesh server setup` saved (proves the
 * HTTP API works), else the local CLI.
 */
export async function serverHeadscale(ctx: MeshContext): Promise<HeadscaleClient> {
  const url = await controlServerUrl(ctx);
  const apiKey = await readFile(ctx.paths.apiKeyFile, 'utf8').then(
    (t) => t.trim(),
    () => undefined,
  );
  if (url && apiKey) return restClient(url, apiKey);
  await requireHeadscaleConfig(ctx);
  return localHeadscale(ctx);
}

/**
 * A REST client kept for a minute per URL and key: a process that asks again and again (the
 * agent answering `mesh status`) keeps its connection and the server version it detected,
 * instead of asking for both every time. A minute, so an upgraded server's dialect is learned.
 */
const restClients = new Map<string, { client: HeadscaleClient; until: number }>();
const REST_CLIENT_TTL_MS = 60_000;

function restClient(url: string, apiKey: string): HeadscaleClient {
  const key = `${url}\n${apiKey}`;
  const now = Date.now();
  const kept = restClients.get(key);
  if (kept && kept.until > now) return kept.client;
  for (const [k, v] of restClients) if (v.until <= now) restClients.delete(k);
  const client = new HeadscaleClient({ rest: { url, apiKey } });
  restClients.set(key, { client, until: now + REST_CLIENT_TTL_MS });
  return client;
}

export async function listNodes(ctx: MeshContext): Promise<NodeSummary[]> {
  requireServerRole(ctx);
  try {
    const hs = await serverHeadscale(ctx);
    return (await hs.nodes.list()).map(summarizeNode).sort((a, b) => Number(a.id) - Number(b.id));
  } catch (error) {
    throw toMeshError(error, 'listing nodes');
  }
}

/** Finds a node by ID, given name or hostname; bad input when none or several match. */
async function resolveNode(hs: HeadscaleClient, ref: string): Promise<Node> {
  const nodes = await hs.nodes.list();
  const byId = nodes.find((n) => n.id === ref);
  if (byId) return byId;
  const byName = nodes.filter((n) => n.givenName === ref || n.name === ref);
  if (byName.length === 1 && byName[0]) return byName[0];
  throw new MeshError(
    byName.length > 1
      ? `${byName.length} nodes are named ${JSON.stringify(ref)}`
      : `no node ${JSON.stringify(ref)}`,
    { kind: 'badInput', hint: 'see mesh server nodes list; use the node ID' },
  );
}

export type NodeAction = 'rename' | 'expire' | 'remove';

export interface NodeActionResult {
  action: NodeAction;
  changed: boolean;
  node: NodeSummary;
}

/**
 * `mesh server nodes rename|expire|remove`. Renaming to the current name changes nothing.
 * Removing cuts the node's machine off until it joins again with a new key: it is a person's
 * act, refused unless `confirmed`, before anything is asked of the server.
 */
export async function changeNode(
  ctx: MeshContext,
  action: NodeAction,
  ref: string,
  newName?: string,
  o: { confirmed?: boolean } = {},
): Promise<NodeActionResult> {
  if (action === 'remove' && o.confirmed !== true) {
    throw new MeshError(`removing node ${ref}: not confirmed`, {
      kind: 'badInput',
      hint: 'answer yes at the prompt, or pass --yes',
    });
  }
  requireServerRole(ctx);
  if (action === 'rename' && (!newName || !/^[a-z0-9][a-z0-9-]{0,62}$/.test(newName))) {
    throw new MeshError(`invalid node name ${JSON.stringify(newName ?? '')}`, {
      kind: 'badInput',
      hint: 'lower-case letters, digits and -, at most 63 characters',
    });
  }
  const hs = await serverHeadscale(ctx);
  try {
    const node = await resolveNode(hs, ref);
    const before = summarizeNode(node);
    if (action === 'rename') {
      if (node.givenName === newName) return { action, changed: false, node: before };
      return {
        action,
        changed: true,
        node: summarizeNode(await hs.nodes.rename(node.id, newName as string)),
      };
    }
    if (action === 'expire') {
      if (node.expiry && node.expiry.getTime() <= Date.now())
        return { action, changed: false, node: before };
      return { action, changed: true, node: summarizeNode(await hs.nodes.expire(node.id)) };
    }
    await hs.nodes.delete(node.id);
    return { action, changed: true, node: before };
  } catch (error) {
    throw toMeshError(error, `${action} node ${ref}`);
  }
}

export interface ServerStatus {
  service: 'running' | 'stopped';
  serverUrl: string | undefined;
  /** Headscale answered `/health` with `pass` (false whenever `configProblem` is set). */
  healthy: boolean;
  /**
   * What is wrong with Headscale's config file: Headscale would not start again with it, and
   * its CLI does not run. Nodes and keys are not read then.
   */
  configProblem: string | undefined;
  version: string | undefined;
  nodes: NodeSummary[];
  online: number;
  offline: number;
  keys: KeySummary[];
}

/**
 * Mesh's Headscale user's ID, per server URL, kept for the life of the process: a process that
 * asks again and again (the agent answering `mesh status`) saves a round trip, and with it a
 * bcrypt check of the API key, each time.
 */
const meshUserIds = new Map<string, string>();

/** The pre-auth keys of Mesh's user; a kept ID that no longer answers is looked up again. */
async function meshUserKeys(hs: HeadscaleClient, serverUrl: string) {
  const kept = meshUserIds.get(serverUrl);
  if (kept !== undefined) {
    const keys = await hs.preAuthKeys.list({ user: { id: kept } }).catch(() => undefined);
    if (keys !== undefined) return keys;
    meshUserIds.delete(serverUrl);
  }
  const user = await hs.users.get({ name: MESH_USER });
  meshUserIds.set(serverUrl, user.id);
  return hs.preAuthKeys.list({ user: { id: user.id } });
}

/** `mesh server status`: service, URL, health, nodes online/offline, keys (no secrets). */
export async function serverStatus(ctx: MeshContext): Promise<ServerStatus> {
  requireServerRole(ctx);
  if (!(await pathExists(ctx.paths.headscale.configPath))) {
    throw new MeshError('Headscale is not set up on this machine', {
      kind: 'badInput',
      hint: 'Run: mesh server setup',
    });
  }
  const configProblem = await headscaleConfigProblem(ctx);
  const svc = await headscaleService(ctx).status();
  const pid = svc.running ? (svc.pid ?? 0) : undefined;
  const serverUrl = await controlServerUrl(ctx);
  const result: ServerStatus = {
    service: pid === undefined ? 'stopped' : 'running',
    serverUrl,
    healthy: false,
    configProblem,
    version: undefined,
    nodes: [],
    online: 0,
    offline: 0,
    keys: [],
  };
  if (pid === undefined || configProblem !== undefined) return result;
  try {
    const hs = await serverHeadscale(ctx);
    // At once: each API call costs Headscale a bcrypt check of the key (about 70 ms).
    const [health, version, nodes, keys] = await Promise.all([
      hs.health({ timeout: 3000 }),
      hs.version(),
      hs.nodes.list(),
      meshUserKeys(hs, serverUrl ?? ''),
    ]);
    result.healthy = health.ok;
    result.version = version.version;
    result.nodes = nodes.map(summarizeNode);
    result.online = result.nodes.filter((n) => n.online).length;
    result.offline = result.nodes.length - result.online;
    result.keys = keys.map((k) => summarizeKey(k));
  } catch (error) {
    throw toMeshError(error, 'reading the server state');
  }
  return result;
}
