import { isIP } from 'node:net';
import path from 'node:path';
import { hasSshHostBlock, readIfExists, WSL2_SSH_PORT, writeSshHostBlock } from '@mesh/platform';
import type { MeshContext } from '../context.js';
import { MeshError } from '../errors.js';
import { sshRun, sshTarget } from '../remote/ssh.js';
import { tailnetStatus } from '../steps/tailscale.js';
import {
  checkHostName,
  deleteHost,
  findHost,
  type HostEntry,
  readHosts,
  saveHost,
} from './registry.js';

export interface AddHostOptions {
  name: string;
  /** @default the tailnet IPv4 of the member called `name` */
  ip?: string;
  /** @default the entry's port, else 2222 for a name in MESH_WSL2_HOSTNAMES, else 22 */
  port?: number;
  /** @default MESH_DEFAULT_USER when used */
  user?: string;
  /** Write the `ssh NAME` block in ~/.ssh/config. @default true */
  ssh?: boolean;
}

export interface HostChange {
  host: HostEntry;
  changed: boolean;
  changes: string[];
}

/** The tailnet IPv4 of the member whose hostname is `name`, if one is known. */
async function tailnetIpOf(ctx: MeshContext, name: string): Promise<string | undefined> {
  const st = await tailnetStatus(ctx);
  const lower = name.toLowerCase();
  const node = [...(st?.self ? [st.self] : []), ...(st?.peers ?? [])].find(
    (n) => n.hostname.toLowerCase() === lower || n.dnsName.split('.')[0]?.toLowerCase() === lower,
  );
  return node?.ips.find((ip) => isIP(ip) === 4) ?? node?.ips[0];
}

/** The managed `Host` block of an entry. */
function sshEntry(ctx: MeshContext, host: HostEntry) {
  const t = sshTarget(ctx, host);
  return { name: host.name, hostName: t.ip, port: t.port, user: t.user };
}

/**
 * Registers (or updates) a host and writes its `ssh NAME` block. Every input is checked before
 * either file changes; running it again with the same values changes nothing.
 */
export async function addHost(ctx: MeshContext, o: AddHostOptions): Promise<HostChange> {
  checkHostName(o.name);
  if (o.ip !== undefined && isIP(o.ip) === 0) {
    throw new MeshError(`--ip must be an IP address, got ${JSON.stringify(o.ip)}`, {
      kind: 'badInput',
      hint: 'give its tailnet address (tailscale status lists them), e.g. --ip 100.64.0.2',
    });
  }
  if (o.port !== undefined && !(Number.isInteger(o.port) && o.port >= 1 && o.port <= 65535)) {
    throw new MeshError(`--port must be 1 to 65535, got ${o.port}`, { kind: 'badInput' });
  }
  const existing = (await readHosts(ctx)).find((h) => h.name === o.name);
  const ip = o.ip ?? (await tailnetIpOf(ctx, o.name)) ?? existing?.ip;
  if (ip === undefined) {
    throw new MeshError(`No --ip given, and no tailnet member is called ${o.name}`, {
      kind: 'badInput',
      hint: `give its address: mesh host add ${o.name} --ip IP`,
    });
  }
  const wsl = ctx.settings.wsl2Hostnames.includes(o.name.toLowerCase());
  const host: HostEntry = {
    name: o.name,
    ip,
    port: o.port ?? existing?.port ?? (wsl ? WSL2_SSH_PORT : 22),
    user: o.user ?? existing?.user ?? null,
  };
  const changes: string[] = [];
  if (await saveHost(ctx, host))
    changes.push(`registered ${host.name} (${host.ip} port ${host.port})`);
  if (o.ssh !== false) {
    const w = await writeSshHostBlock(host.name, sshEntry(ctx, host), { home: ctx.paths.home });
    if (w.changed) changes.push(`wrote the ssh ${host.name} block in ${w.path}`);
  }
  return { host, changed: changes.length > 0, changes };
}

/** Forgets a host, and unless `keepSsh` its SSH block; the mesh node itself stays. */
export async function removeHost(
  ctx: MeshContext,
  name: string,
  o: { keepSsh?: boolean } = {},
): Promise<HostChange> {
  const host = await findHost(ctx, name);
  const changes: string[] = [];
  if (await deleteHost(ctx, name)) changes.push(`removed ${name} from the registry`);
  if (!o.keepSsh) {
    const w = await writeSshHostBlock(name, undefined, { home: ctx.paths.home });
    if (w.changed) changes.push(`removed the ssh ${name} block from ${w.path}`);
  }
  return { host, changed: changes.length > 0, changes };
}

export interface HostReport extends HostEntry {
  /** The SSH user in effect (the entry's, else MESH_DEFAULT_USER). */
  sshUser: string;
  /** ~/.ssh/config has its managed block. */
  sshConfig: boolean;
  /** A tailnet member has its name. */
  inMesh: boolean;
  /** That member's tailnet IP, or null. */
  tailnetIp: string | null;
}

/** Every host with what this machine knows of it, asking nothing over the network. */
export async function listHosts(ctx: MeshContext): Promise<HostReport[]> {
  const hosts = await readHosts(ctx);
  const config = (await readIfExists(path.join(ctx.paths.home, '.ssh', 'config'))) ?? '';
  const st = hosts.length > 0 ? await tailnetStatus(ctx) : undefined;
  const members = [...(st?.self ? [st.self] : []), ...(st?.peers ?? [])];
  return hosts.map((h) => {
    const node = members.find((n) => n.hostname.toLowerCase() === h.name.toLowerCase());
    return {
      ...h,
      sshUser: sshTarget(ctx, h).user,
      sshConfig: hasSshHostBlock(config, h.name),
      inMesh: node !== undefined,
      tailnetIp: node?.ips.find((ip) => isIP(ip) === 4) ?? null,
    };
  });
}

/** One host's report, plus whether ssh logs in now. */
export async function hostStatus(
  ctx: MeshContext,
  name: string,
): Promise<HostReport & { sshWorks: boolean; sshError: string | null }> {
  await findHost(ctx, name);
  const report = (await listHosts(ctx)).find((h) => h.name === name) as HostReport;
  try {
    const r = await sshRun(ctx, sshTarget(ctx, report), 'echo connected', { timeout: 15_000 });
    const works = r.stdout.trim() === 'connected';
    return { ...report, sshWorks: works, sshError: works ? null : r.stderr.trim() || 'no answer' };
  } catch (error) {
    return {
      ...report,
      sshWorks: false,
      sshError: error instanceof Error ? error.message : String(error),
    };
  }
}
