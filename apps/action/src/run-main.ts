import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { checkTailscaleVersion, type MeshContext } from '@mesh/core';
import { decidePrivilege, sudoWorks } from '@mesh/platform';
import { actionReporter, type ContextSpec, contextOptions } from './context.js';
import { type ActionCore, describeError } from './core.js';
import {
  type ActionConfig,
  INPUT_NAMES,
  InputError,
  parseInputs,
  SECRET_INPUTS,
} from './inputs.js';
import { type ActionProtocol, inputEnvName } from './protocol.js';
import { saveSpec } from './state.js';
import {
  installTailscale,
  planTailscaleInstall,
  type TailscaleInstallPlan,
} from './tailscale-install.js';

export interface RunMainOptions {
  /** Where the TUN device is looked for (tests point it elsewhere). @default '/dev/net/tun' */
  tunDevice?: string;
  /** @default process.platform */
  platform?: NodeJS.Platform;
  /**
   * Where Mesh's pinned builds are looked for before PATH when deciding whether the runner has
   * Tailscale (tests point it elsewhere). @default MESH_BIN_DIR (under `MESH_ROOT` when set)
   */
  meshBinDir?: string;
  /** @default whether this process runs as root */
  isRoot?: boolean;
  /** Whether passwordless sudo works; asked only when neither root nor userspace. @default `sudo -n true` */
  sudoWorks?: () => Promise<boolean>;
  /**
   * Called if the step is still running `timeout` + 15 s after it began, meaning a core call
   * ignored its abort signal; the entry point exits there. Unit tests leave it unset.
   */
  onHang?: () => void;
}

/** Which phase was running, for the one error line. */
type Phase = 'install' | 'join' | 'ping' | 'syncthing';

/**
 * The main step: mask, validate, install Tailscale when the runner has none, join, wait for
 * peers, optionally sync. What post needs to clean up is saved to the step state before
 * anything starts, so post can undo any failure, timeout or crash of this step. Returns the
 * exit code.
 */
export async function runMain(
  proto: ActionProtocol,
  getCore: () => ActionCore,
  options: RunMainOptions = {},
): Promise<number> {
  // Mask before anything else is printed: the runner only hides what follows add-mask.
  for (const name of SECRET_INPUTS) proto.setSecret(proto.getInput(name));

  let config: ActionConfig;
  let core: ActionCore;
  let daemonPrefix: readonly string[] | undefined;
  let install: TailscaleInstallPlan | undefined;
  try {
    config = parseInputs((name) => proto.getInput(name), proto.env);
    const checked = await preflight(config, options, proto.env);
    if (typeof checked === 'string') throw new InputError(checked);
    daemonPrefix = checked.daemonPrefix;
    install = checked.install;
    if (daemonPrefix)
      proto.info(`mesh: not root; tailscaled runs through ${daemonPrefix.join(' ')}`);
    core = getCore();
    prepareStateDir(config.stateDir);
  } catch (error) {
    proto.error(describeError(error));
    return 1;
  } finally {
    // No child process (tailscaled, syncthing) may inherit the inputs: the key lives on in
    // `config` only, and goes to tailscaled through the LocalAPI, never env or argv.
    for (const name of INPUT_NAMES) delete proto.env[inputEnvName(name)];
  }
  const spec: ContextSpec = {
    stateDir: config.stateDir,
    hostname: config.hostname,
    userspace: config.userspace,
    // Known before the install runs, so post uses the same binaries whatever happens to it.
    binaries: install ? { ...config.binaries, ...install.binaries } : config.binaries,
    ...(daemonPrefix ? { daemonPrefix } : {}),
  };
  saveSpec(proto, spec);

  const signal = AbortSignal.timeout(config.timeoutMs);
  const hang = options.onHang
    ? setTimeout(() => {
        proto.error(`mesh: still running ${config.timeoutMs / 1000}s after the timeout; giving up`);
        options.onHang?.();
      }, config.timeoutMs + 15_000).unref()
    : undefined;
  let phase: Phase = 'join';
  try {
    if (install) {
      const plan = install;
      phase = 'install';
      await proto.group(`Install Tailscale ${plan.version}`, async () => {
        const result = await installTailscale(plan, proto.env, { signal });
        proto.info(`mesh: ${result.summary}; added to PATH for the rest of the job`);
      });
      phase = 'join';
    }
    // After the install: the context copies PATH from the environment.
    const ctx: MeshContext = await core.createMeshContext(
      contextOptions(spec, proto.env, { signal, reporter: actionReporter(proto) }),
    );

    const node = await proto.group(`Join ${config.server} as ${config.hostname}`, () =>
      core.joinMesh(ctx, {
        serverUrl: config.server,
        authKey: config.key,
        tags: config.tags,
        acceptRoutes: config.acceptRoutes,
        retries: config.retry,
      }),
    );
    if (!node.tailnetIp) throw new Error('joined, but tailscaled reported no IPv4 address');
    proto.setOutput('ip', node.tailnetIp);
    proto.setOutput('ipv6', node.tailnetIpv6 ?? '');
    proto.setOutput('hostname', node.hostname);
    proto.setOutput('node-id', node.nodeId ?? '');
    proto.info(`mesh: joined as ${node.hostname} (${node.tailnetIp})`);

    if (config.ping.length > 0) {
      phase = 'ping';
      await proto.group(`Wait for ${config.ping.join(', ')}`, async () => {
        await core.waitForPeers(ctx, { hosts: config.ping });
        proto.info(`mesh: ${config.ping.join(', ')} answered`);
      });
    }

    const sync = config.syncthing;
    if (sync) {
      phase = 'syncthing';
      await proto.group(`Sync folder ${sync.folderId} into ${sync.folderPath}`, async () => {
        const st = await core.syncFolder(ctx, {
          folderId: sync.folderId,
          folderPath: sync.folderPath,
        });
        proto.setOutput('device-id', st.deviceId);
        proto.setOutput('folder-path', sync.folderPath);
        proto.info(`mesh: folder ${sync.folderId} is in sync`);
      });
    }
    return 0;
  } catch (error) {
    const why = signal.aborted
      ? `timed out after ${config.timeoutMs / 1000}s (input "timeout"): ${describeError(error)}`
      : describeError(error);
    proto.error(`mesh: ${phase} failed: ${why}`);
    return 1;
  } finally {
    clearTimeout(hang);
  }
}

/**
 * What the runner lacks, said plainly (a string); else how tailscaled is started (directly,
 * or behind `sudo -n` on a non-root runner with passwordless sudo) and where Tailscale is
 * installed when the runner has none.
 */
async function preflight(
  config: ActionConfig,
  options: RunMainOptions,
  env: NodeJS.ProcessEnv,
): Promise<string | { daemonPrefix?: readonly string[]; install?: TailscaleInstallPlan }> {
  const platform = options.platform ?? process.platform;
  if (platform !== 'linux') {
    return `this action runs on Linux runners only (this one is ${platform})`;
  }
  if (!config.userspace) {
    const tun = options.tunDevice ?? '/dev/net/tun';
    if (!existsSync(tun)) {
      return `${tun} is missing: this runner needs a TUN device (or set userspace: true)`;
    }
  }
  const isRoot = options.isRoot ?? process.getuid?.() === 0;
  const privilege = decidePrivilege({
    isRoot,
    userspace: config.userspace,
    // Probed only when it decides anything: a root or userspace job never runs sudo.
    sudo: !isRoot && !config.userspace && (await (options.sudoWorks ?? sudoWorks)()),
  });
  if (privilege.kind === 'none') return privilege.problem;
  const install = await planTailscaleInstall(config, env, { meshBinDir: options.meshBinDir });
  if (typeof install === 'string') return install;
  // What the action installs is the version asked for: only binaries the runner has are checked.
  if (!install && config.tailscaleVersion) {
    const wrong = await checkTailscaleVersion(config.tailscaleVersion, config.binaries, env);
    if (wrong) return wrong;
  }
  return {
    ...(privilege.kind === 'sudo' ? { daemonPrefix: privilege.prefix } : {}),
    ...(install ? { install } : {}),
  };
}

/**
 * The state dir is ours alone: the post step deletes it, so refuse a directory that already
 * holds something (a mistyped `state-dir: ~` must not cost someone their home).
 */
function prepareStateDir(dir: string): void {
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new InputError(
      `input "state-dir" must name a new or empty directory (the post step deletes it), got "${dir}"`,
    );
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}
