import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathExists } from '@mesh/platform';
import type { MeshContext } from '../context.js';
import { MeshError } from '../errors.js';
import { browseServers } from './mdns.js';

/** How long a client listens for a server's announcement. */
export const DISCOVER_MS = 5000;

/**
 * The URL of the one Mesh server announcing itself on this LAN (`mesh server setup
 * --advertise`), found within `timeoutMs`. None, or several, fail with what to do.
 */
export async function discoverServerUrl(
  ctx: MeshContext,
  o: { timeoutMs?: number } = {},
): Promise<string> {
  const wait = ctx.reporter.wait('Looking for a Mesh server on this network (mDNS)');
  const found = await browseServers({ timeoutMs: o.timeoutMs ?? DISCOVER_MS });
  if (found.length === 1 && found[0]) {
    wait.done();
    ctx.reporter.ok(`Found ${found[0].name}: ${found[0].url}`);
    return found[0].url;
  }
  wait.fail();
  if (found.length === 0) {
    throw new MeshError(
      `No Mesh server announced itself on this network within ${(o.timeoutMs ?? DISCOVER_MS) / 1000} s`,
      {
        kind: 'serverUnreachable',
        hint: 'on the server: mesh server setup --advertise (same LAN, UDP 5353 open); or give --server URL',
      },
    );
  }
  throw new MeshError(
    `${found.length} Mesh servers announce themselves here: ${found.map((s) => `${s.name} (${s.url})`).join(', ')}`,
    { kind: 'badInput', hint: 'choose one with --server URL' },
  );
}

/** The file whose presence tells the server's agent to announce it (written by setup). */
export function advertiseMarker(ctx: MeshContext): string {
  return path.join(ctx.paths.stateDir, 'mdns-advertise');
}

/** Turns the announcement on or off for the agent; returns whether that changed anything. */
export async function setAdvertise(ctx: MeshContext, on: boolean): Promise<boolean> {
  const file = advertiseMarker(ctx);
  const was = await pathExists(file);
  if (was === on) return false;
  if (on) {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, 'announce the server over mDNS (mesh server setup --advertise)\n');
  } else {
    await rm(file, { force: true });
  }
  return true;
}
