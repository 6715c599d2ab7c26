import { setTimeout as sleep } from 'node:timers/promises';
import { sameDeviceId } from '@mesh/syncthing-client';
import type { MeshContext } from '../context.js';
import { toMeshError } from '../map-error.js';
import { forgetTrusted, readTrustedDevices } from '../trust/trusted-devices.js';
import { connectSyncthing } from './syncthing.js';
import { tailnetStatus } from './tailscale.js';

export interface ForgetDepartedOptions {
  signal: AbortSignal;
  /** How long a node must be gone from the control server's list before its device goes. @default 600000 (10 min) */
  graceMs?: number;
  /** How often the list is checked, in ms. @default half the grace, between 1 s and 30 s */
  intervalMs?: number;
  onForget?: (device: { deviceId: string; name: string }) => void;
  onError?: (error: unknown) => void;
}

/**
 * Forgets the Syncthing devices of nodes the control server no longer lists (removed, or gone
 * for good) once they have been missing for `graceMs`: the device is removed from Syncthing
 * (which unshares the folder with it) and from the record of trusted devices. An offline node
 * is still listed and keeps its device. Files are never touched. Runs until `signal` aborts.
 */
export async function forgetDeparted(ctx: MeshContext, o: ForgetDepartedOptions): Promise<void> {
  const missingSince = new Map<string, number>();
  while (!o.signal.aborted) {
    try {
      const ts = await tailnetStatus(ctx);
      if (ts?.backendState === 'Running') {
        const listed = new Set(ts.peers.map((p) => p.id));
        const trusted = (await readTrustedDevices(ctx)).filter((t) => t.how === 'vouched');
        const gone = trusted.filter((t) => t.nodeId !== undefined && !listed.has(t.nodeId));
        for (const id of missingSince.keys())
          if (!gone.some((g) => g.deviceId === id)) missingSince.delete(id);
        const now = Date.now();
        const due = gone.filter((g) => {
          const since = missingSince.get(g.deviceId) ?? now;
          missingSince.set(g.deviceId, since);
          return now - since >= (o.graceMs ?? 600_000);
        });
        if (due.length > 0) {
          const st = await connectSyncthing(ctx);
          const devices = await st.client.config.devices.list();
          for (const d of due) {
            const have = devices.find((x) => sameDeviceId(x.deviceID, d.deviceId));
            if (have) await st.client.config.devices.remove(have.deviceID);
            missingSince.delete(d.deviceId);
            o.onForget?.({ deviceId: d.deviceId, name: d.name });
          }
          await forgetTrusted(
            ctx,
            due.map((d) => d.deviceId),
          );
        }
      }
    } catch (error) {
      o.onError?.(toMeshError(error, 'forgetting departed nodes'));
    }
    const every = o.intervalMs ?? Math.min(30_000, Math.max(1000, (o.graceMs ?? 600_000) / 2));
    await sleep(every, undefined, { signal: o.signal }).catch(() => undefined);
  }
}
