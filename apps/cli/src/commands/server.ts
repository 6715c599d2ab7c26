import {
  serverStatus as coreServerStatus,
  createJoinKey,
  HEADSCALE_CONFIG_FIX,
  HEADSCALE_DOWN_FIX,
  saveJoinKey,
  setupServer,
} from '@mesh/core';
import { context } from '../context.js';
import type { Output } from '../output/output.js';
import { agentCommand } from '../self-command.js';

export interface ServerSetupArgs {
  json: boolean;
  postgres?: string | undefined;
  listen?: string | undefined;
  serverUrl?: string | undefined;
  advertise?: boolean | undefined;
}

export async function serverSetup(a: ServerSetupArgs, out: Output): Promise<number> {
  const ctx = await context(out);
  out.section('Server Setup');
  const r = await setupServer(ctx, {
    ...(a.postgres ? { postgres: a.postgres } : {}),
    ...(a.listen ? { listen: a.listen } : {}),
    ...(a.serverUrl ? { serverUrl: a.serverUrl } : {}),
    advertise: a.advertise,
    agentExec: agentCommand(),
  });
  out.section(r.changed ? 'Server setup complete' : 'Server already set up');
  out.fields([
    ['Server URL', r.serverUrl],
    ['Database', r.database],
    ['Config', r.configPath],
    ['Tailnet IP', r.tailnetIp],
    ['Device ID', r.deviceId],
    ['Shared folder', r.folderPath],
  ]);
  out.changeCount(r);
  out.info('Next: mesh server keygen');
  out.result({ ok: true, ...r });
  return 0;
}

export interface ServerKeygenArgs {
  json: boolean;
  reusable: boolean;
  ephemeral: boolean;
  expiration: string;
  tags?: string | undefined;
  save?: string | undefined;
}

export async function serverKeygen(a: ServerKeygenArgs, out: Output): Promise<number> {
  const ctx = await context(out);
  const key = await createJoinKey(ctx, {
    reusable: a.reusable,
    ephemeral: a.ephemeral,
    expiration: a.expiration,
    ...(a.tags ? { tags: a.tags } : {}),
  });
  // JSON never carries secrets: the key goes to a 0600 file and the JSON names the file.
  const keyFile = a.save !== undefined || a.json ? await saveJoinKey(ctx, key, a.save) : undefined;
  // The command runs on a client, where the server's own path means nothing: KEY_FILE stands
  // for wherever the key is put there (or it comes on stdin, straight from this server).
  const command = `mesh client setup --server ${key.serverUrl} --key-file KEY_FILE`;
  const overSsh = keyFile
    ? `ssh SERVER cat ${keyFile} | mesh client setup --server ${key.serverUrl}`
    : undefined;
  if (!a.json) {
    out.section('Pre-Auth Key');
    out.info(
      `${key.reusable ? 'Reusable' : 'Single-use'}${key.ephemeral ? ', ephemeral' : ''}, expires ${key.expiration ?? 'never'}${key.tags.length ? `, tags ${key.tags.join(',')}` : ''}`,
    );
    out.line();
    out.line(`  ${key.key}`);
    out.line();
    if (keyFile) out.ok(`Saved (mode 0600): ${keyFile}`);
    out.info('On each client, put the key in a file (mode 0600) and run:');
    out.line(`  ${command}`);
    out.info('or send it on standard input, never as an argument:');
    out.line(`  ${overSsh ?? `echo KEY | mesh client setup --server ${key.serverUrl}`}`);
  }
  out.result({
    ok: true,
    id: key.id,
    keyFile,
    reusable: key.reusable,
    ephemeral: key.ephemeral,
    expiration: key.expiration,
    tags: key.tags,
    serverUrl: key.serverUrl,
    command,
    ...(overSsh ? { commandOverSsh: overSsh } : {}),
  });
  return 0;
}

export async function serverStatus(_a: { json: boolean }, out: Output): Promise<number> {
  const ctx = await context(out);
  const s = await coreServerStatus(ctx);
  out.section('Headscale Server');
  if (s.service === 'running') out.ok('Service: running');
  else out.warn('Service: stopped');
  out.fields([
    ['URL', s.serverUrl],
    ['Version', s.version],
    ['Healthy', s.healthy ? 'yes' : 'no'],
  ]);
  const up = s.service === 'running' && s.healthy;
  if (s.configProblem !== undefined) {
    // Running or not, Headscale would not start again with this file, and its CLI fails on it.
    out.line(`${out.colour('red', 'FAIL:')} ${s.configProblem}`);
    out.line(`  Fix: ${HEADSCALE_CONFIG_FIX}`);
  } else if (!up) {
    // Nodes and keys live in Headscale: with it down they are unknown, not zero.
    out.line(`${out.colour('red', 'FAIL:')} Headscale does not answer: nodes and keys unknown`);
    out.line(`  Fix: ${HEADSCALE_DOWN_FIX}`);
  } else if (s.nodes.length === 0) out.info('No nodes registered yet');
  else {
    out.info(`Registered nodes: ${s.nodes.length} (${s.online} online, ${s.offline} offline)`);
    for (const n of s.nodes) {
      out.line(
        `  - ${n.name} (${out.colour(n.online ? 'green' : 'red', n.online ? 'online' : 'offline')}) ${n.ips.join(' ')}`,
      );
    }
  }
  if (up) {
    const active = s.keys.filter((k) => !k.expired && !(k.used && !k.reusable));
    out.info(`Pre-auth keys: ${s.keys.length} (${active.length} usable)`);
  }
  out.result({
    ok: up,
    ...s,
    nodes: up ? s.nodes : null,
    keys: up ? s.keys : null,
    online: up ? s.online : null,
    offline: up ? s.offline : null,
  });
  return up ? 0 : 3;
}
