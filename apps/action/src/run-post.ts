import { rmSync } from 'node:fs';
import { createRunner, type Runner } from '@mesh/platform';
import { actionReporter, contextOptions } from './context.js';
import { type ActionCore, describeError } from './core.js';
import type { ActionProtocol } from './protocol.js';
import { loadSpec } from './state.js';

export interface RunPostOptions {
  /** Bound on the whole cleanup, in milliseconds. @default 60000 */
  timeoutMs?: number;
  /** Runs `sudo -n rm -rf` when root-owned files (tailscaled's) block removal. @default createRunner() */
  runner?: Runner;
}

/**
 * The post step: log out (Headscale then deletes an ephemeral node), stop the daemons main
 * started, delete the state dir. It runs after a failed main too, and does every part it can:
 * a failing part is a warning, not a reason to skip the rest. Returns the exit code (0: a job
 * should not fail because cleanup of a throwaway runner was incomplete; the warnings say what).
 */
export async function runPost(
  proto: ActionProtocol,
  getCore: () => ActionCore,
  options: RunPostOptions = {},
): Promise<number> {
  const spec = loadSpec(proto);
  if (!spec) {
    proto.info('mesh: nothing to clean up (the main step started nothing)');
    return 0;
  }
  const signal = AbortSignal.timeout(options.timeoutMs ?? 60_000);
  const attempt = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
      proto.info(`mesh: ${what}: done`);
    } catch (error) {
      proto.warning(`mesh: ${what} failed: ${describeError(error)}`);
    }
  };

  await proto.group('Leave the mesh and clean up', async () => {
    const core = getCore();
    let ctx: Awaited<ReturnType<ActionCore['createMeshContext']>> | undefined;
    await attempt('read the job context', async () => {
      ctx = await core.createMeshContext(
        contextOptions(spec, proto.env, { signal, reporter: actionReporter(proto) }),
      );
    });
    if (ctx) {
      const c = ctx;
      await attempt('log out', () => core.leaveMesh(c));
      await attempt('stop tailscaled and syncthing', () => core.stopMeshDaemons(c));
    }
    try {
      rmSync(spec.stateDir, { recursive: true, force: true });
      proto.info(`mesh: removed ${spec.stateDir}`);
    } catch (error) {
      const prefix = spec.daemonPrefix;
      if (prefix && prefix.length > 0) {
        // tailscaled ran as root (sudo) and may have left root-owned dirs this user cannot empty.
        await attempt(`remove ${spec.stateDir} with ${prefix.join(' ')}`, async () => {
          const runner = options.runner ?? createRunner();
          const [bin = 'sudo', ...rest] = prefix;
          const r = await runner.run(bin, [...rest, 'rm', '-rf', '--', spec.stateDir], {
            timeout: 30_000,
            signal,
          });
          if (r.exitCode !== 0) throw new Error(r.stderr.trim() || `exit ${r.exitCode}`);
        });
      } else {
        proto.warning(`mesh: could not remove ${spec.stateDir}: ${describeError(error)}`);
      }
    }
  });
  return 0;
}
