import { type MeshRole, portPlan } from '@mesh/platform';

export interface PortsOptions {
  role: MeshRole;
  json: boolean;
}

export async function ports(options: PortsOptions): Promise<void> {
  const plan = portPlan(options.role);
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ role: options.role, ...plan })}\n`);
    return;
  }
  for (const [name, port] of Object.entries(plan))
    process.stdout.write(`${name.padEnd(14)} ${port}\n`);
}
