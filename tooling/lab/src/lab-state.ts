import { join } from 'node:path';
import { type LabPlan, labNamespaces } from './address-plan.js';
import type { LabHeadscale } from './lab-headscale.js';
import type { LabHost } from './lab-host.js';
import type { LabSyncthing } from './lab-syncthing.js';
import type { LabTailscaled } from './lab-tailscale.js';
import type { LabProcess } from './process.js';
import type { HostState, LabState } from './state.js';

/** What a running lab holds, as much of it as has started. */
export interface LabParts {
  id: string;
  /** Of the Node process that owns the lab: a dead owner makes it stale. */
  pid: number;
  persistent: boolean;
  createdAt: string;
  root: string;
  plan: LabPlan;
  hosts: ReadonlyMap<string, LabHost>;
  tailscaled: ReadonlyMap<string, LabTailscaled>;
  syncthing: ReadonlyMap<string, LabSyncthing>;
  headscale: LabHeadscale | undefined;
  processes: readonly LabProcess[];
  timings: LabState['timings'];
}

/**
 * The {@link LabState} other processes find the lab by. Hosts not made yet are there already,
 * so a teardown after a failed start knows every namespace and root. Holds no secrets: no API
 * or pre-auth key, only sockets and paths.
 */
export function labStateOf(lab: LabParts): LabState {
  return {
    id: lab.id,
    pid: lab.pid,
    persistent: lab.persistent,
    createdAt: lab.createdAt,
    root: lab.root,
    namespaces: labNamespaces(lab.plan),
    hosts: lab.plan.hosts.map((p): HostState => {
      const h = lab.hosts.get(p.name);
      const t = lab.tailscaled.get(p.name);
      const s = lab.syncthing.get(p.name);
      return {
        name: p.name,
        ns: p.ns,
        ip: p.ip,
        root: h?.root ?? join(lab.root, 'hosts', p.name),
        env: h?.env ?? {},
        guiPort: p.guiPort,
        syncPort: p.syncPort,
        ...(t ? { tailscaleSocket: t.socketPath } : {}),
        ...(t?.tailnetIp ? { tailnetIp: t.tailnetIp } : {}),
        ...(s ? { guiSocket: s.guiSocket, syncthingHome: s.home } : {}),
        ...(h?.machine ? { machine: { keeperPid: h.machine.keeperPid } } : {}),
      };
    }),
    ...(lab.headscale
      ? {
          headscale: {
            url: lab.headscale.url,
            configPath: lab.headscale.configPath,
            apiSocket: lab.headscale.apiSocket,
            host: lab.headscale.host,
          },
        }
      : {}),
    pids: lab.processes.map((p) => ({ host: p.host, name: p.name, pid: p.pid })),
    timings: lab.timings,
  };
}
