import { portPlan } from '@mesh/platform';
import * as z from 'zod/mini';

/**
 * The TCP port a node's mesh agent answers on, on the node's tailnet address. Below 1024 on
 * purpose: on Linux only root (CAP_NET_BIND_SERVICE) can bind it, so a user of a member machine
 * cannot answer in the agent's place, as anyone can on a sync port (22000-22002).
 */
export const VOUCH_PORT = portPlan('server').vouch;

/** The one path the agent answers. */
export const VOUCH_PATH = '/v1/syncthing';

/**
 * The request header an asker that is pairing names its own device ID in; the answer then says
 * whether this node's Syncthing already has that device (`knows`). A header, so that an agent of
 * an earlier version answers as before.
 */
export const VOUCH_ASKER_HEADER = 'x-mesh-device';

/**
 * The address a device is added with while its node does not know this one yet: Syncthing does
 * not dial it (discovery is off) and takes its connection once that node has added this one.
 * Dialled earlier, the node would refuse the connection only after its handshake, and Syncthing
 * 1.25+ notices that refusal a second later, when it starts using the connection; until then it
 * turns away the node's own connection as a second one.
 */
export const PASSIVE_ADDRESS = 'dynamic';

/**
 * What a node's agent says about itself: its node as the control server lists it, its tailnet
 * addresses, and the Syncthing device ID and sync port it runs. Validated on the asking side.
 */
export const VouchAnswerSchema = z.object({
  mesh: z.literal(1),
  node: z.object({ id: z.string().check(z.minLength(1)), name: z.string() }),
  ips: z.array(z.string()),
  syncthing: z.object({
    deviceId: z.string().check(z.minLength(1)),
    port: z.number().check(z.int(), z.gte(1), z.lte(65535)),
  }),
  /** Whether this node's Syncthing has the asker's device; only when the asker named it. */
  knows: z.optional(z.boolean()),
});
export type VouchAnswer = z.infer<typeof VouchAnswerSchema>;

/** What a caller that is not a mesh node (or asks for something else) gets back. */
export const VouchRefusalSchema = z.object({ error: z.string() });
