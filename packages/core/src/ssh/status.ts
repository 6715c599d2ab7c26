import { stat } from 'node:fs/promises';
import path from 'node:path';
import {
  hasSshHostBlock,
  parseAuthorizedKeys,
  pathExists,
  readIfExists,
  readSshdPorts,
  SSHD_CONFIG_PATH,
  tcpListens,
  WSL2_SSH_PORT,
} from '@mesh/platform';
import type { MeshContext } from '../context.js';
import { isMeshError } from '../errors.js';
import { readHosts } from '../hosts/registry.js';
import { underRoot } from '../paths.js';
import { rootOption } from '../steps/machine-step.js';
import { readLocalKeys } from './local-keys.js';

export interface SshStatusOptions {
  /** The sshd binary asked for its effective settings (`sshd -T`). @default '/usr/sbin/sshd' */
  sshdBinary?: string;
  /** Whether something accepts connections on a port. @default a TCP connect to 127.0.0.1 */
  listens?: (port: number) => Promise<boolean>;
}

export interface SshStatus {
  sshd: {
    /** sshd_config exists: the OpenSSH server is installed. */
    installed: boolean;
    configFile: string;
    /** The ports sshd_config (and the files it includes) says. */
    ports: number[];
    /** Those of them something listens on now. */
    listening: number[];
    /** From `sshd -T`; null when sshd could not say (not installed, or not run as root). */
    passwordAuthentication: boolean | null;
  };
  authorizedKeys: {
    file: string;
    /** The public keys in it (0 when there is no file). */
    keys: number;
    /** Lines that are neither keys, comments nor blank. */
    invalid: number;
    /** Its permission bits (`600`), or null when there is no file. */
    mode: string | null;
  };
  /** Registered hosts (mesh host add), and whether ~/.ssh/config has their block. */
  hosts: Array<{ name: string; sshConfig: boolean }>;
  /** What stops SSH into this machine from working; empty when healthy. */
  problems: string[];
  healthy: boolean;
}

/** `sshd -T`'s PasswordAuthentication, or null when sshd cannot say. */
async function passwordAuthentication(
  ctx: MeshContext,
  configFile: string,
  sshd: string,
): Promise<boolean | null> {
  const r = await ctx.runner
    .run(sshd, ['-T', '-f', configFile], { timeout: 15_000 })
    .catch(() => undefined);
  const value =
    r?.exitCode === 0 ? /^passwordauthentication\s+(yes|no)\s*$/im.exec(r.stdout) : null;
  return value ? value[1]?.toLowerCase() === 'yes' : null;
}

/**
 * SSH into this machine, asking nothing over the network: whether sshd listens on the ports its
 * configuration names, PasswordAuthentication as sshd itself resolves it, the keys in
 * authorized_keys (and whether sshd would accept the file's mode), and which registered hosts
 * have their `ssh NAME` block.
 */
export async function sshStatus(ctx: MeshContext, o: SshStatusOptions = {}): Promise<SshStatus> {
  const problems: string[] = [];
  const configFile = underRoot(ctx.paths.root, SSHD_CONFIG_PATH);
  const installed = await pathExists(configFile);
  let ports: number[] = [];
  if (installed) {
    const found = await readSshdPorts(rootOption(ctx));
    ports = [...new Set([...found.ports, ...found.includedPorts.map((p) => p.port)])];
  }
  const listens = o.listens ?? tcpListens;
  const listening: number[] = [];
  for (const port of ports) if (await listens(port)) listening.push(port);
  if (!installed) problems.push(`OpenSSH server is not installed (no ${SSHD_CONFIG_PATH})`);
  else if (listening.length === 0) {
    problems.push(`Nothing listens on sshd's port ${ports.join(', ')}: sshd is not running`);
  }
  if (installed && ctx.platform.osType === 'wsl2' && !ports.includes(WSL2_SSH_PORT)) {
    problems.push(
      `sshd_config does not say port ${WSL2_SSH_PORT}, where other machines reach WSL2 (mesh wsl setup-ssh sets it)`,
    );
  }
  const password = installed
    ? await passwordAuthentication(ctx, configFile, o.sshdBinary ?? '/usr/sbin/sshd')
    : null;

  const local = await readLocalKeys(ctx);
  const parsed = parseAuthorizedKeys(local.text);
  const info = await stat(local.file).catch(() => undefined);
  const mode = info ? info.mode & 0o777 : undefined;
  // sshd's StrictModes ignores a file others may write: every key in it stops working.
  if (mode !== undefined && mode & 0o022) {
    problems.push(
      `${local.file} is writable by others (mode ${mode.toString(8)}): sshd ignores it (mesh ssh add-key sets 600)`,
    );
  }

  const config = (await readIfExists(path.join(ctx.paths.home, '.ssh', 'config'))) ?? '';
  let hosts: SshStatus['hosts'] = [];
  try {
    hosts = (await readHosts(ctx)).map((h) => ({
      name: h.name,
      sshConfig: hasSshHostBlock(config, h.name),
    }));
  } catch (error) {
    // A broken registry is one more thing to report, not a reason to report nothing.
    if (!isMeshError(error)) throw error;
    problems.push(error.message);
  }
  return {
    sshd: { installed, configFile, ports, listening, passwordAuthentication: password },
    authorizedKeys: {
      file: local.file,
      keys: parsed.keys.length,
      invalid: parsed.invalid,
      mode: mode === undefined ? null : mode.toString(8),
    },
    hosts,
    problems,
    healthy: problems.length === 0,
  };
}
