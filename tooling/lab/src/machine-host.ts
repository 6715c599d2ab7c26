import { realpathSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { HostPlan } from './address-plan.js';
import { LAB_ROLES, MESH_CLI, onPath } from './host-env.js';
import type { LabContext } from './lab-context.js';
import { type LabHost, labHost } from './lab-host.js';
import type { LabOptions } from './lab-options.js';
import { defaultRootfs, MACHINE_CLI_DIR, SystemdMachine } from './machine.js';

/**
 * What makes a machine look like a WSL2 distribution to `mesh`: `/run/WSL` and the kernel
 * strings of a WSL2 kernel in `/proc/version` and `/proc/sys/kernel/osrelease`, bound over them
 * at every boot by a unit of their own before `sysinit.target` (as steps of
 * systemd-tmpfiles-setup they hung on that service succeeding), and `WSL_DISTRO_NAME` in the
 * environment of what
 * runs there. `uname -r` stays the real one: a system call cannot be faked. Interop with Windows
 * stays absent, as it is with interop turned off.
 */
const WSL_KERNEL_RELEASE = '5.15.167.4-microsoft-standard-WSL2';
const WSL_UNIT = 'mesh-lab-wsl-kernel.service';
const WSL_MARKER_FILES: Readonly<Record<string, string>> = {
  '/etc/mesh-lab/osrelease': `${WSL_KERNEL_RELEASE}\n`,
  '/etc/mesh-lab/version': `Linux version ${WSL_KERNEL_RELEASE} (root@lab) (gcc (GCC) 11.2.0, GNU ld (GNU Binutils) 2.37) #1 SMP Tue Nov 5 00:21:55 UTC 2024\n`,
  [`/etc/systemd/system/${WSL_UNIT}`]: [
    '[Unit]',
    'Description=Mesh lab: the marks of a WSL2 distribution',
    'DefaultDependencies=no',
    'After=systemd-tmpfiles-setup.service',
    'Before=sysinit.target',
    '',
    '[Service]',
    'Type=oneshot',
    'RemainAfterExit=yes',
    'ExecStart=/bin/mkdir -p /run/WSL',
    'ExecStart=/bin/mount --bind /etc/mesh-lab/version /proc/version',
    'ExecStart=/bin/mount --bind /etc/mesh-lab/osrelease /proc/sys/kernel/osrelease',
    '',
  ].join('\n'),
  // Wanted by sysinit.target through a drop-in: plain files, no symlink into the image.
  '/etc/systemd/system/sysinit.target.d/mesh-lab-wsl.conf': `[Unit]\nWants=${WSL_UNIT}\n`,
};

/**
 * Every machine's own SSH host keys: the root file system is built once, with one set of keys,
 * and machines that share them would each pass for the other. Made at the first boot, in the
 * machine's own layer, so they stay across its reboots.
 */
const OWN_HOST_KEYS: Readonly<Record<string, string>> = {
  '/etc/systemd/system/ssh.service.d/mesh-lab-host-keys.conf': [
    '[Service]',
    "ExecStartPre=/bin/sh -c 'test -e /etc/ssh/.mesh-lab-own-keys || { rm -f /etc/ssh/ssh_host_*; ssh-keygen -A; touch /etc/ssh/.mesh-lab-own-keys; }'",
    '',
  ].join('\n'),
};

/** The programs mesh runs on a machine, visible there as `/usr/local/bin/<name>`. */
const MACHINE_PROGRAMS = ['headscale', 'tailscale', 'tailscaled', 'syncthing'] as const;
export type MachineProgram = (typeof MACHINE_PROGRAMS)[number];

export function labRootfs(o: LabOptions): string {
  return o.rootfs ?? defaultRootfs();
}

/**
 * A systemd host: its machine booted, `mesh` on the PATH as `/usr/local/bin/mesh` (Node and
 * the built bundle), the programs mesh needs in `/usr/local/bin`, and the role lists in the
 * environment of every command run there, as a real deployment's `.env` would set them.
 */
export async function makeMachineHost(plan: HostPlan, lab: LabContext): Promise<LabHost> {
  const dir = join(lab.root, 'hosts', plan.name);
  const logs = join(dir, 'logs');
  await mkdir(logs, { recursive: true, mode: 0o700 });
  await mkdir(join(dir, 'run'), { recursive: true, mode: 0o700 });
  const wsl = LAB_ROLES[plan.name] === 'wsl2';
  const machine = await bootMachine(plan, join(dir, 'machine'), logs, wsl, lab);
  const env = machineHostEnv(plan.name);
  if (lab.options.meshBinary === undefined) {
    await writeFile(
      join(machine.root, 'usr/local/bin/mesh'),
      meshLauncher(lab.options.meshCli ?? MESH_CLI),
      { mode: 0o755 },
    );
  }
  const host = labHost(
    plan,
    { root: machine.root, logs, sockets: join(dir, 'run'), env, runner: machine.runner(env) },
    lab,
  );
  host.machine = machine;
  return host;
}

/** Boots a Debian machine for `plan` with mesh's programs visible read-only inside. */
async function bootMachine(
  plan: HostPlan,
  dir: string,
  logs: string,
  wsl: boolean,
  lab: LabContext,
): Promise<SystemdMachine> {
  const binds = machineBinds(
    lab.options.meshBinary ?? lab.options.meshCli ?? MESH_CLI,
    (p) => realpathSync(onPath(lab.binary(p))),
    lab.options.machinePrograms,
  );
  return SystemdMachine.boot({
    name: plan.name,
    ns: plan.ns,
    rootfs: labRootfs(lab.options),
    dir,
    binds,
    logPath: join(logs, 'boot.log'),
    files: wsl ? { ...OWN_HOST_KEYS, ...WSL_MARKER_FILES } : OWN_HOST_KEYS,
  });
}

/**
 * Host paths a machine sees read-only: this Node and the built CLI's directory (or, for
 * `mesh` as a single-file binary, that file alone as `/usr/local/bin/mesh`) and each program,
 * from where `path` finds it.
 */
export function machineBinds(
  mesh: string,
  path: (program: MachineProgram) => string,
  programs: readonly MachineProgram[] = MACHINE_PROGRAMS,
): { from: string; to: string }[] {
  const cli = /\.[cm]?js$/.test(mesh)
    ? [
        { from: process.execPath, to: '/usr/local/bin/node' },
        { from: dirname(mesh), to: MACHINE_CLI_DIR },
      ]
    : [{ from: mesh, to: '/usr/local/bin/mesh' }];
  return [...cli, ...programs.map((p) => ({ from: path(p), to: `/usr/local/bin/${p}` }))];
}

/**
 * The environment of every command run on a machine. The wsl host shows what a WSL2
 * distribution shows, so mesh detects the role itself; the windows host stays a Linux stand-in
 * for the Windows role's ports, with its role forced.
 */
export function machineHostEnv(name: string): Record<string, string> {
  const role = LAB_ROLES[name];
  return {
    MESH_SERVER_HOSTNAMES: 'server',
    MESH_WSL2_HOSTNAMES: 'wsl',
    MESH_WINDOWS_HOSTNAMES: 'windows',
    ...(role === 'wsl2' ? { WSL_DISTRO_NAME: 'Debian' } : role ? { MESH_ROLE: role } : {}),
  };
}

/** `/usr/local/bin/mesh` on a machine: the bound Node running the bound bundle. */
export function meshLauncher(meshCli: string): string {
  return `#!/bin/sh\nexec /usr/local/bin/node ${MACHINE_CLI_DIR}/${basename(meshCli)} "$@"\n`;
}
