import { type DetectedRole, type MeshRole, type RolePorts, rolePorts } from '@mesh/platform';
import { context } from '../context.js';
import type { Output } from '../output/output.js';

export interface PortsOptions {
  /** The role to show. @default this machine's detected role */
  role?: MeshRole | undefined;
  json: boolean;
}

export interface PortsReport {
  /** The role asked for, or this machine's (`unknown` when the settings do not place it). */
  role: DetectedRole;
  /** True when the role is this machine's, not one named on the command line. */
  detected: boolean;
  /** The plan of `role`; every role's plan when it is `unknown`. */
  plans: RolePorts[];
}

const ROLES: readonly MeshRole[] = ['server', 'wsl2', 'windows'];

/** What `mesh ports` shows for `role`: one plan, or every role's when the role is unknown. */
export function portsReport(role: DetectedRole, detected: boolean): PortsReport {
  const roles = role === 'unknown' ? ROLES : [role];
  return { role, detected, plans: roles.map(rolePorts) };
}

/** `mesh ports [role]`: the ports of this machine's role, or of the role named. */
export async function ports(options: PortsOptions, out: Output): Promise<number> {
  let role: DetectedRole;
  let hostname: string | undefined;
  if (options.role) role = options.role;
  else {
    const ctx = await context(out);
    role = ctx.role;
    hostname = ctx.hostname;
  }
  const report = portsReport(role, options.role === undefined);
  if (role === 'unknown') {
    out.warn(
      `This machine's role is unknown: ${hostname ?? 'its hostname'} is in none of MESH_SERVER_HOSTNAMES, MESH_WSL2_HOSTNAMES, MESH_WINDOWS_HOSTNAMES`,
    );
    out.info('Showing every role; `mesh ports ROLE` shows one');
  }
  for (const plan of report.plans) {
    const mark = report.detected && role !== 'unknown' ? ' (this machine)' : '';
    out.section(`Ports: ${plan.role}${mark}`);
    out.table(
      ['PORT', 'PROTOCOL', 'SERVICE'],
      Object.values(plan.ports).map((p) => [String(p.port), p.protocol.toUpperCase(), p.service]),
    );
    out.fields([['Syncthing GUI', plan.syncthingGuiUrl]]);
  }
  out.result({ ok: true, ...report });
  return 0;
}
