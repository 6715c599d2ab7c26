import { LabError } from './errors.js';
import { assertHostName, type LabNames, labNames, MAX_HOSTS } from './naming.js';

/** The lab's one subnet. Every lab uses it: labs never share a link, so they cannot clash. */
export const LAB_SUBNET_BASE = '10.99.0';
export const LAB_PREFIX_LENGTH = 24;
/** Headscale's HTTP port on the server host. */
export const HEADSCALE_PORT = 8080;

/** Syncthing GUI and sync ports per role, as Mesh uses them on real machines. */
export const ROLE_PORTS: Readonly<Record<string, { gui: number; sync: number }>> = {
  server: { gui: 8384, sync: 22000 },
  wsl: { gui: 8385, sync: 22001 },
  windows: { gui: 8386, sync: 22002 },
};

export const DEFAULT_HOSTS: readonly string[] = ['server', 'wsl', 'windows'];

export interface HostPlan {
  name: string;
  index: number;
  /** Address on the lab bridge, e.g. 10.99.0.1. */
  ip: string;
  ns: string;
  link: string;
  bridgePort: string;
  guiPort: number;
  syncPort: number;
}

export interface LabPlan {
  id: string;
  names: LabNames;
  hosts: HostPlan[];
  /** The host that runs headscale: `server` if present, else the first host. */
  server: HostPlan;
}

/**
 * Addresses, names and ports for a lab. Host `i` gets 10.99.0.(i+1), so the first host
 * (`server` by default) is .1. Hosts without a role port pair get 8384+i / 22000+i.
 */
export function planLab(id: string, hosts: readonly string[] = DEFAULT_HOSTS): LabPlan {
  if (hosts.length === 0) throw new LabError('a lab needs at least one host');
  if (hosts.length > MAX_HOSTS) throw new LabError(`a lab holds at most ${MAX_HOSTS} hosts`);
  if (new Set(hosts).size !== hosts.length) {
    throw new LabError(`duplicate host names in ${hosts.join(',')}`);
  }
  const names = labNames(id);
  const planned = hosts.map((name, index): HostPlan => {
    assertHostName(name);
    const ports = ROLE_PORTS[name] ?? { gui: 8384 + index, sync: 22000 + index };
    return {
      name,
      index,
      ip: `${LAB_SUBNET_BASE}.${index + 1}`,
      ns: names.hostNs(name),
      link: names.hostLink(index),
      bridgePort: names.bridgePort(index),
      guiPort: ports.gui,
      syncPort: ports.sync,
    };
  });
  const server = planned.find((h) => h.name === 'server') ?? (planned[0] as HostPlan);
  return { id, names, hosts: planned, server };
}

/**
 * `ip` argv lists that build the topology: a bridge alone in its own namespace, and one veth
 * pair per host created inside the bridge namespace with its peer moved straight into the host
 * namespace, so nothing ever appears in the root namespace. No default route anywhere.
 */
export function topologyCommands(plan: LabPlan): string[][] {
  const { names } = plan;
  const cmds: string[][] = [
    ['netns', 'add', names.bridgeNs],
    ['-n', names.bridgeNs, 'link', 'set', 'lo', 'up'],
    ['-n', names.bridgeNs, 'link', 'add', names.bridge, 'type', 'bridge'],
    ['-n', names.bridgeNs, 'link', 'set', names.bridge, 'up'],
  ];
  for (const h of plan.hosts) {
    cmds.push(
      ['netns', 'add', h.ns],
      ['-n', h.ns, 'link', 'set', 'lo', 'up'],
      [
        '-n',
        names.bridgeNs,
        'link',
        'add',
        h.bridgePort,
        'type',
        'veth',
        'peer',
        'name',
        h.link,
        'netns',
        h.ns,
      ],
      ['-n', names.bridgeNs, 'link', 'set', h.bridgePort, 'master', names.bridge, 'up'],
      ['-n', h.ns, 'addr', 'add', `${h.ip}/${LAB_PREFIX_LENGTH}`, 'dev', h.link],
      ['-n', h.ns, 'link', 'set', h.link, 'up'],
    );
  }
  return cmds;
}

/** Every namespace of a lab (hosts first, bridge last). */
export function labNamespaces(plan: LabPlan): string[] {
  return [...plan.hosts.map((h) => h.ns), plan.names.bridgeNs];
}
