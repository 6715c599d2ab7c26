import path from 'node:path';
import { readIfExists, writeFileAtomic } from '@mesh/platform';
import { sameDeviceId } from '@mesh/syncthing-client';
import * as z from 'zod/mini';
import type { MeshContext } from '../context.js';
import { MeshError } from '../errors.js';

/**
 * Why a Syncthing device is trusted here: a node's mesh agent vouched for it, or a person
 * added it by hand (`mesh peer --device-id --yes`).
 */
const TrustedDeviceSchema = z.object({
  deviceId: z.string(),
  name: z.string(),
  how: z.enum(['vouched', 'manual']),
  /** The node ID the control server gave the node that vouched (vouched only). */
  nodeId: z.optional(z.string()),
  since: z.string(),
});
export type TrustedDevice = z.infer<typeof TrustedDeviceSchema>;

const TrustFileSchema = z.object({
  version: z.literal(1),
  devices: z.array(TrustedDeviceSchema),
});

/** The record of trusted devices, beside the agent's other state (not a secret). */
export function trustFile(ctx: MeshContext): string {
  return path.join(ctx.paths.stateDir, 'trusted-devices.json');
}

export async function readTrustedDevices(ctx: MeshContext): Promise<TrustedDevice[]> {
  const file = trustFile(ctx);
  const text = await readIfExists(file);
  if (text === undefined) return [];
  let parsed: z.infer<typeof TrustFileSchema>;
  try {
    parsed = TrustFileSchema.parse(JSON.parse(text));
  } catch (error) {
    throw new MeshError(`${file} is damaged`, {
      kind: 'badInput',
      cause: error,
      hint: `remove it and run mesh peer: mesh agents vouch for their devices again`,
    });
  }
  return parsed.devices;
}

/** The trusted record for `deviceId`, if any. */
export function findTrusted(
  list: readonly TrustedDevice[],
  deviceId: string,
): TrustedDevice | undefined {
  return list.find((d) => sameDeviceId(d.deviceId, deviceId));
}

/** Records devices as trusted; a newer record of a device replaces the older. Writes only on change. */
export async function recordTrusted(
  ctx: MeshContext,
  devices: readonly Omit<TrustedDevice, 'since'>[],
): Promise<boolean> {
  if (devices.length === 0) return false;
  const list = await readTrustedDevices(ctx);
  let changed = false;
  for (const d of devices) {
    const have = findTrusted(list, d.deviceId);
    if (have && have.how === d.how && have.nodeId === d.nodeId && have.name === d.name) continue;
    const entry: TrustedDevice = { ...d, since: new Date().toISOString() };
    if (have) list.splice(list.indexOf(have), 1, entry);
    else list.push(entry);
    changed = true;
  }
  if (changed) await writeTrusted(ctx, list);
  return changed;
}

/** Drops the records of these devices (their node left the mesh). */
export async function forgetTrusted(ctx: MeshContext, deviceIds: readonly string[]): Promise<void> {
  const list = await readTrustedDevices(ctx);
  const kept = list.filter((d) => !deviceIds.some((id) => sameDeviceId(id, d.deviceId)));
  if (kept.length !== list.length) await writeTrusted(ctx, kept);
}

async function writeTrusted(ctx: MeshContext, devices: TrustedDevice[]): Promise<void> {
  await writeFileAtomic(trustFile(ctx), `${JSON.stringify({ version: 1, devices }, null, 2)}\n`, {
    mode: 0o644,
    backup: false,
  });
}
