import {
  clientSetup as coreClientSetup,
  joinCommand,
  joinMesh,
  leaveMesh,
  stopMeshDaemons,
} from '@mesh/core';
import { shellLine } from '@mesh/platform';
import { readAuthKey } from '../auth-key.js';
import { context } from '../context.js';
import type { Output } from '../output/output.js';
import { agentCommand } from '../self-command.js';
import { printPeerResult } from './peer.js';

export interface ClientSetupArgs {
  json: boolean;
  server?: string | undefined;
  discover?: boolean | undefined;
  keyFile?: string | undefined;
  key?: string | undefined;
  peer: boolean;
  fromServer?: boolean | undefined;
}

export async function clientSetup(a: ClientSetupArgs, out: Output): Promise<number> {
  const authKey = await readAuthKey(a, out);
  const ctx = await context(out);
  out.section('Client Setup');
  const r = await coreClientSetup(ctx, {
    serverUrl: a.server,
    discover: a.discover,
    authKey,
    peer: a.peer,
    agentExec: agentCommand(),
    fromServer: a.fromServer,
  });
  if (r.peer) printPeerResult(r.peer, out);
  out.section(r.changed ? 'Setup Complete' : 'Already set up');
  out.fields([
    ['Server', r.serverUrl],
    ['Tailscale IP', r.tailnetIp],
    ['Device ID', r.deviceId],
    ['Shared folder', r.folderPath],
    ['Took', stepTimes(r.steps)],
  ]);
  out.changeCount(r);
  for (const m of r.manual) out.warn(`To do by hand: ${m}`);
  out.info("Run 'mesh status' to check connectivity");
  out.result({ ok: true, ...r });
  return 0;
}

/** "4.8 s (join 2.1 s, syncthing 1.2 s, ...)": the whole and the steps that took over 0.1 s. */
export function stepTimes(steps: readonly { id: string; ms: number }[]): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const total = steps.reduce((sum, st) => sum + st.ms, 0);
  const slow = steps.filter((st) => st.ms >= 100).map((st) => `${st.id} ${s(st.ms)}`);
  return slow.length > 0 ? `${s(total)} (${slow.join(', ')})` : s(total);
}

export async function clientJoin(
  a: {
    json: boolean;
    keyFile?: string | undefined;
    key?: string | undefined;
    printCommand?: boolean | undefined;
  },
  out: Output,
): Promise<number> {
  if (a.printCommand) {
    const ctx = await context(out);
    const command = await joinCommand(ctx, a.keyFile ? { keyFile: a.keyFile } : {});
    out.line(shellLine(command));
    out.result({ ok: true, command });
    return 0;
  }
  const authKey = await readAuthKey(a, out);
  const ctx = await context(out);
  const r = await joinMesh(ctx, { authKey });
  out.fields([
    ['Server', r.serverUrl],
    ['Tailscale IP', r.tailnetIp],
  ]);
  if (!r.changed) out.ok('nothing to change');
  out.result({ ok: true, ...r });
  return 0;
}

/** `mesh client leave`: log out of the tailnet and stop Mesh's daemons; the shared folder stays. */
export async function clientLeave(_a: { json: boolean }, out: Output): Promise<number> {
  const ctx = await context(out);
  const left = await leaveMesh(ctx);
  const { stopped } = await stopMeshDaemons(ctx);
  out.info(`The shared folder ${ctx.paths.sharedFolder} and its files are kept`);
  out.result({ ok: true, loggedOut: left.changed, stopped, sharedFolder: ctx.paths.sharedFolder });
  return 0;
}
