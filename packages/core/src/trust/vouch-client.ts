import { parseDeviceId } from '@mesh/syncthing-client';
import { request } from 'undici';
import {
  VOUCH_ASKER_HEADER,
  VOUCH_PATH,
  VOUCH_PORT,
  VouchAnswerSchema,
  VouchRefusalSchema,
} from './protocol.js';

/** A tailnet peer as this node's own tailscaled lists it (the control server vouched for it). */
export interface ListedNode {
  hostname: string;
  /** Its tailnet IPv4: the address asked, and the one its Syncthing must connect from. */
  ip: string;
  /** Its node ID as the control server gave it (tailscaled's StableID). */
  nodeId: string;
}

/** A device ID a node's agent vouched for, bound to that node. */
export interface VouchedDevice {
  hostname: string;
  ip: string;
  nodeId: string;
  /** Canonical Syncthing device ID. */
  deviceId: string;
  /** The node's own sync port (the only one ever dialled). */
  port: number;
  /**
   * Whether the node's Syncthing already has the asking device (asked with `asker`). Undefined
   * when not asked, or from an agent that does not say.
   */
  knowsUs?: boolean;
}

export type VouchOutcome =
  | { ok: true; device: VouchedDevice }
  | { ok: false; node: ListedNode; reason: string };

export interface AskVouchOptions {
  /** @default 3000 (ms) */
  timeout?: number;
  signal?: AbortSignal;
  /** @default VOUCH_PORT */
  port?: number;
  /** This node's own device ID: the answer then says whether the node knows it. */
  asker?: string;
}

/**
 * Asks the mesh agent of `node` which Syncthing device it runs, over the tailnet, and checks
 * the answer is about that very node: the node ID the control server gave it and the address
 * asked. Never throws: a node that does not vouch (no agent, not set up, a wrong answer) comes
 * back with the reason.
 */
export async function askVouch(node: ListedNode, o: AskVouchOptions = {}): Promise<VouchOutcome> {
  const refuse = (reason: string): VouchOutcome => ({ ok: false, node, reason });
  const signal = AbortSignal.any([
    AbortSignal.timeout(o.timeout ?? 3000),
    ...(o.signal ? [o.signal] : []),
  ]);
  let status: number;
  let body: unknown;
  try {
    const res = await request(`http://${node.ip}:${o.port ?? VOUCH_PORT}${VOUCH_PATH}`, {
      signal,
      ...(o.asker ? { headers: { [VOUCH_ASKER_HEADER]: o.asker } } : {}),
      headersTimeout: o.timeout ?? 3000,
      bodyTimeout: o.timeout ?? 3000,
    });
    status = res.statusCode;
    body = await res.body.json().catch(() => undefined);
  } catch (error) {
    return refuse(`its mesh agent did not answer (${(error as Error).message})`);
  }
  if (status !== 200) {
    const why = VouchRefusalSchema.safeParse(body);
    return refuse(`its mesh agent refused: ${why.success ? why.data.error : `HTTP ${status}`}`);
  }
  const parsed = VouchAnswerSchema.safeParse(body);
  if (!parsed.success) return refuse('its mesh agent gave an answer that is not a vouch');
  const a = parsed.data;
  if (a.node.id !== node.nodeId) {
    return refuse(`its agent answered for node ${a.node.id}, not ${node.nodeId}`);
  }
  if (!a.ips.includes(node.ip)) {
    return refuse(`its agent does not hold the address ${node.ip}`);
  }
  let deviceId: string;
  try {
    deviceId = parseDeviceId(a.syncthing.deviceId).id;
  } catch {
    return refuse('its agent vouched for a malformed device ID');
  }
  return {
    ok: true,
    device: {
      hostname: node.hostname,
      ip: node.ip,
      nodeId: node.nodeId,
      deviceId,
      port: a.syncthing.port,
      ...(a.knows === undefined ? {} : { knowsUs: a.knows }),
    },
  };
}
