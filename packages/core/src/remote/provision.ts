import { stat } from 'node:fs/promises';
import { shellQuote, WSL2_SSH_PORT } from '@mesh/platform';
import type { MeshContext } from '../context.js';
import { ExitCode, MeshError, type MeshErrorKind } from '../errors.js';
import { addHost } from '../hosts/commands.js';
import { findHost, type HostEntry, readHosts } from '../hosts/registry.js';
import { createJoinKey } from '../steps/keys.js';
import { listNodes } from '../steps/nodes.js';
import { readRemotePorts, readRemoteSetup, readRemoteStatus } from './remote-json.js';
import { type SshTarget, sshRun, sshTarget } from './ssh.js';

/** What provisioning did to one host. */
export type ProvisionOutcome = 'provisioned' | 'already' | 'windows' | 'failed';

export interface ProvisionResult {
  name: string;
  outcome: ProvisionOutcome;
  /** What changed there (the remote setup's own list), empty when skipped. */
  changes: string[];
  /** For `windows`: what a person runs there; for `failed`: the one-line reason. */
  message: string | null;
  /** The exit code the failure maps to; 0 otherwise. */
  exitCode: number;
}

export interface ProvisionOptions {
  /** Provision even when a node of that name is in the mesh already. */
  force?: boolean;
  /**
   * A single-file `mesh` to put on a host that has none (`/usr/local/bin/mesh`). Without one, a
   * host without mesh fails with how to install it.
   */
  meshBinary?: string;
}

const MESH_ON_HOST = '/usr/local/bin/mesh';

/** The remote's exit code back to the kind it stands for. */
function kindOf(code: number): MeshErrorKind {
  const found = Object.entries(ExitCode).find(([k, v]) => v === code && k !== 'ok');
  return (found?.[0] as MeshErrorKind | undefined) ?? 'failure';
}

/** The `ERROR:`/`Hint:` lines a remote mesh printed, as one error of this machine. */
function remoteError(target: SshTarget, exitCode: number, stderr: string): MeshError {
  const line = (prefix: string) =>
    stderr
      .split('\n')
      .find((l) => l.startsWith(prefix))
      ?.slice(prefix.length)
      .trim();
  return new MeshError(`on ${target.name}: ${line('ERROR:') ?? `mesh exited ${exitCode}`}`, {
    kind: kindOf(exitCode),
    hint: line('Hint:') ?? `run mesh status on ${target.name} (ssh ${target.name})`,
  });
}

/** The role lists a host needs to know its role, carried from this machine's settings. */
const ROLE_LISTS = ['MESH_SERVER_HOSTNAMES', 'MESH_WSL2_HOSTNAMES', 'MESH_WINDOWS_HOSTNAMES'];

/**
 * `mesh ARGS` on the host, as root, with this machine's role lists in its environment (a fresh
 * host has no `.env`; names are no secret). sudo passes them on only when allowed to
 * (`SETENV`, which `mesh remote prepare` grants).
 */
function remoteMesh(ctx: MeshContext, sudo: string, args: readonly string[]): string {
  const vars = ROLE_LISTS.filter((k) => ctx.settings.variables[k]);
  const assign = vars.map((k) => `${k}=${shellQuote(ctx.settings.variables[k] as string)}`);
  const keep = sudo && vars.length > 0 ? `--preserve-env=${vars.join(',')} ` : '';
  const exported = assign.length > 0 ? `export ${assign.join(' ')}; ` : '';
  return `${exported}${sudo}${keep}mesh ${args.map(shellQuote).join(' ')}`;
}

/**
 * After joining, `ssh NAME` goes over the tailnet: the entry takes the node's tailnet IP and,
 * on WSL2 (whose sshd setup moved to 2222), that port.
 */
async function reachOverTailnet(
  ctx: MeshContext,
  host: HostEntry,
  target: SshTarget,
  role: string | undefined,
): Promise<string[]> {
  const r = await sshRun(ctx, target, 'mesh status --json', { timeout: 60_000 });
  const ip = readRemoteStatus(r.stdout)?.tailscale?.ip;
  if (!ip) return [];
  // The host key at its tailnet address, learnt now over the tailnet (whose WireGuard keys
  // Headscale vouches for), so the first `ssh NAME` asks nothing.
  await sshRun(ctx, { ...target, ip, port: role === 'wsl2' ? WSL2_SSH_PORT : host.port }, 'true', {
    timeout: 30_000,
  });
  const added = await addHost(ctx, {
    name: host.name,
    ip,
    port: role === 'wsl2' ? WSL2_SSH_PORT : host.port,
    ...(host.user === null ? {} : { user: host.user }),
  });
  return added.changes;
}

/** `sudo -n` when the login is not root; refuses when sudo wants a password. */
async function rootPrefix(ctx: MeshContext, target: SshTarget): Promise<string> {
  const id = await sshRun(ctx, target, 'id -u', { timeout: 15_000 });
  if (id.stdout.trim() === '0') return '';
  const sudo = await sshRun(ctx, target, 'sudo -n true', { timeout: 15_000 });
  if (sudo.exitCode === 0) return 'sudo -n ';
  // `mesh remote prepare` allows mesh alone, not `true`: sudo lists what it allows without a
  // password when one rule needs none.
  const allowed = await sshRun(ctx, target, 'sudo -n -l', { timeout: 15_000 });
  if (allowed.exitCode === 0 && allowed.stdout.includes('/usr/local/bin/mesh')) return 'sudo -n ';
  throw new MeshError(`sudo on ${target.name} asks ${target.user} for a password`, {
    kind: 'badInput',
    hint: `run mesh remote prepare ${target.name} once (you type the password there one time)`,
  });
}

/** Makes sure `mesh` runs on the host, putting the single-file binary there when it has none. */
async function meshOnHost(
  ctx: MeshContext,
  target: SshTarget,
  sudo: string,
  o: ProvisionOptions,
): Promise<string[]> {
  const found = await sshRun(ctx, target, 'command -v mesh', { timeout: 15_000 });
  if (found.exitCode === 0) return [];
  const binary = o.meshBinary;
  if (
    !binary ||
    !(await stat(binary).then(
      (s) => s.isFile(),
      () => false,
    ))
  ) {
    throw new MeshError(`mesh is not installed on ${target.name}`, {
      kind: 'badInput',
      hint: 'install it there (README, Install), or run provision from the single-file mesh binary, which copies itself',
    });
  }
  // Copied as the login user first, then put in place by one install: a cut connection leaves
  // no half binary on the PATH, and sudo needs to allow just that one command.
  const put = await sshRun(
    ctx,
    target,
    `cat > .mesh-upload && ${sudo}install -D -m 755 "$HOME/.mesh-upload" ${MESH_ON_HOST}; s=$?; rm -f .mesh-upload; exit $s`,
    { inputFile: binary, timeout: 600_000 },
  );
  if (put.exitCode !== 0) {
    throw new MeshError(
      `copying mesh to ${target.name} failed: ${put.stderr.trim().split('\n').pop() ?? ''}`,
      { hint: `check the free space in the home of ${target.user} and in /usr/local/bin there` },
    );
  }
  return [`put mesh at ${MESH_ON_HOST}`];
}

/**
 * Takes a registered host into the mesh from the server: checks SSH, the OS and sudo, puts
 * mesh there if needed, makes a one-use key, and runs `mesh client setup` there with the key on
 * standard input (never in a process's arguments or a file). A host whose name is a node of the
 * mesh already is skipped unless `force`.
 */
export async function provisionHost(
  ctx: MeshContext,
  name: string,
  o: ProvisionOptions = {},
): Promise<ProvisionResult> {
  const host = await findHost(ctx, name);
  const target = sshTarget(ctx, host);
  const r = ctx.reporter;
  if (!o.force) {
    const nodes = await listNodes(ctx);
    if (nodes.some((n) => n.name.toLowerCase() === name.toLowerCase())) {
      r.ok(`${name} is in the mesh already (--force provisions it again)`);
      return { name, outcome: 'already', changes: [], message: null, exitCode: 0 };
    }
  }
  const wait = r.wait(`Provisioning ${name} over SSH (${target.user}@${target.ip}:${target.port})`);
  try {
    const hello = await sshRun(ctx, target, 'echo connected', { timeout: 15_000 });
    if (hello.stdout.trim() !== 'connected') {
      throw new MeshError(`SSH to ${name} logged in but did not run a command`, {
        kind: 'hostUnreachable',
        hint: `try ssh ${name} by hand`,
      });
    }
    const os = (await sshRun(ctx, target, 'uname -s', { timeout: 15_000 })).stdout.trim();
    if (!/^linux$/i.test(os)) {
      wait.done();
      // Windows' services cannot be joined over SSH (session 0): a person runs the script there.
      return {
        name,
        outcome: 'windows',
        changes: [],
        message: `${name} is not Linux (${os || 'no uname'}): make its script with mesh windows script and run it there`,
        exitCode: 0,
      };
    }
    const sudo = await rootPrefix(ctx, target);
    const changes = await meshOnHost(ctx, target, sudo, o);
    const ports = await sshRun(ctx, target, remoteMesh(ctx, '', ['ports', '--json']), {
      timeout: 60_000,
    });
    const role = readRemotePorts(ports.stdout)?.role;
    const key = await createJoinKey(ctx, { reusable: false, expiration: '10m' });
    const setup = await sshRun(
      ctx,
      target,
      remoteMesh(ctx, sudo, ['client', 'setup', '--server', key.serverUrl, '--json']),
      {
        input: `${key.key}\n`,
        timeout: 600_000,
      },
    );
    if (setup.exitCode !== 0) throw remoteError(target, setup.exitCode, setup.stderr);
    changes.push(...(readRemoteSetup(setup.stdout)?.changes ?? []));
    // WSL2's setup moves its sshd to 2222: what follows logs in there.
    const after = role === 'wsl2' ? { ...target, port: WSL2_SSH_PORT } : target;
    changes.push(...(await reachOverTailnet(ctx, host, after, role)));
    wait.done();
    r.ok(`${name} is in the mesh`);
    return { name, outcome: 'provisioned', changes, message: null, exitCode: 0 };
  } catch (error) {
    wait.fail();
    throw error;
  }
}

/**
 * Every registered host in turn; one host's failure does not stop the others. `exitCode` is the
 * first failure's, 0 when none failed.
 */
export async function provisionAll(
  ctx: MeshContext,
  o: ProvisionOptions = {},
): Promise<{ results: ProvisionResult[]; exitCode: number }> {
  const hosts = await readHosts(ctx);
  if (hosts.length === 0) {
    throw new MeshError('No hosts are registered', {
      kind: 'badInput',
      hint: 'add them first: mesh host add NAME --ip IP',
    });
  }
  const results: ProvisionResult[] = [];
  for (const h of hosts) {
    try {
      results.push(await provisionHost(ctx, h.name, o));
    } catch (error) {
      const e = error instanceof MeshError ? error : undefined;
      const message = error instanceof Error ? error.message : String(error);
      results.push({
        name: h.name,
        outcome: 'failed',
        changes: [],
        message: e ? `${message} (${e.hint})` : message,
        exitCode: e?.exitCode ?? 1,
      });
    }
  }
  return { results, exitCode: results.find((x) => x.exitCode !== 0)?.exitCode ?? 0 };
}
