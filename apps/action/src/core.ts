import type { MeshContext, MeshContextOptions } from '@mesh/core';
import * as core from '@mesh/core';
import { isFallbackHint } from '@mesh/errors';

/**
 * Exactly what the action needs from `@mesh/core`, in core's own style (a {@link MeshContext}
 * first, options second). The action holds no mesh logic: it builds a context rooted in its
 * state dir (so tailscaled's and Syncthing's state, sockets, pid files and logs all live there)
 * and calls these. `run-main.ts` and `run-post.ts` take an `ActionCore`, so unit tests hand in
 * fakes and the bundle wires the real package. All waits honour `ctx.signal`.
 */
export interface ActionCore {
  createMeshContext(o: MeshContextOptions): Promise<MeshContext>;
  /**
   * Health-checks the server, starts tailscaled if needed (supervised, pid file under
   * `ctx.paths.stateDir`), joins with the key (LocalAPI, never argv), retrying transient
   * failures `retries` times within `ctx.signal`.
   */
  joinMesh(
    ctx: MeshContext,
    o: {
      serverUrl: string;
      authKey: string;
      tags?: string[];
      acceptRoutes?: boolean;
      retries?: number;
    },
  ): Promise<{
    tailnetIp: string | undefined;
    tailnetIpv6?: string | undefined;
    hostname: string;
    nodeId?: string | undefined;
  }>;
  /** Waits until every host (tailnet IP or name) answers a tailscale ping. */
  waitForPeers(ctx: MeshContext, o: { hosts: string[]; timeout?: number }): Promise<unknown>;
  /**
   * Starts Syncthing for this context (offline settings), shares `folderId` at `folderPath`,
   * pairs with the mesh the way `mesh peer` does (device IDs the peers' mesh agents vouch for;
   * it vouches for its own device meanwhile, so the members' agents accept it), and waits until
   * the folder is in sync. No API key of another machine is involved. Returns this device's ID.
   */
  syncFolder(
    ctx: MeshContext,
    o: { folderId: string; folderPath: string; timeout?: number },
  ): Promise<{ deviceId: string }>;
  /** LocalAPI logout (Headscale deletes an ephemeral node). No-op if logged out. */
  leaveMesh(ctx: MeshContext): Promise<unknown>;
  /**
   * Stops every daemon core supervised under `ctx.paths.stateDir` (tailscaled, syncthing;
   * TERM then KILL). No-op if none run.
   */
  stopMeshDaemons(ctx: MeshContext): Promise<{ stopped: string[] }>;
}

const REQUIRED = [
  'createMeshContext',
  'joinMesh',
  'waitForPeers',
  'syncFolder',
  'leaveMesh',
  'stopMeshDaemons',
] as const satisfies readonly (keyof ActionCore)[];

// Compile-time proof that the real package has the shape the action calls.
const _coreHasActionShape: ActionCore = core;
void _coreHasActionShape;

/** Thrown when the bundled `@mesh/core` lacks a function the action calls. */
export class CoreMissingError extends Error {
  override readonly name = 'CoreMissingError';
}

/** The functions {@link ActionCore} lists that `mod` does not export. */
export function missingCoreExports(
  mod: Record<string, unknown> = core,
  names: readonly (keyof ActionCore)[] = REQUIRED,
): string[] {
  return names.filter((name) => typeof mod[name] !== 'function');
}

/**
 * The real `@mesh/core`. A function it does not export yet fails when *called*, with a message
 * naming it, so the parts that exist (the join) already work and the rest fail clearly.
 */
export function loadCore(mod: Record<string, unknown> = core): ActionCore {
  const api: Record<string, unknown> = {};
  for (const name of REQUIRED) {
    const fn = mod[name];
    api[name] =
      typeof fn === 'function'
        ? fn
        : () =>
            Promise.reject(
              new CoreMissingError(`this build of @mesh/core does not export ${name} yet`),
            );
  }
  return api as unknown as ActionCore;
}

/** One line for an error from core: MeshError's message plus its hint, when it has one. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const hint = (error as { hint?: unknown }).hint;
    const text =
      error.message
        .split('\n')
        .find((l) => l.trim() !== '')
        ?.trim() ?? error.name;
    // A fallback hint says nothing this line does not, so the line stays short without it.
    return isFallbackHint(hint) ? text : `${text} (${hint as string})`;
  }
  return String(error);
}
