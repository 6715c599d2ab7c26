import { type LabProgram, resolveLabBinary } from './binaries.js';
import { LabError } from './errors.js';
import type { LabProcess, ProcessExit } from './process.js';

/** Options for `Lab.up`. */
export interface LabOptions {
  /** Host names; the first (or the one named `server`) runs headscale. @default ['server','wsl','windows'] */
  hosts?: readonly string[];
  /** Start headscale on the server host. Forced on by `tailscale`. @default true */
  headscale?: boolean;
  /** Start tailscaled on every host and join them all with one pre-auth key. @default true */
  tailscale?: boolean;
  /** Start syncthing on every host with the role's GUI/sync ports. @default false */
  syncthing?: boolean;
  /** @default option → MESH_HEADSCALE_BIN → /var/cache/mesh/bin/headscale → PATH */
  headscaleBinary?: string;
  tailscaleBinary?: string;
  tailscaledBinary?: string;
  syncthingBinary?: string;
  /** Leave the lab running when this process exits (CLI `up`). @default false */
  persistent?: boolean;
  /** Where phase timings and problems are printed. @default no output */
  log?: (line: string) => void;
  /** Called when a supervised process dies without being asked to (after it is logged). */
  onUnexpectedExit?: (proc: LabProcess, exit: ProcessExit) => void;
  /** Parent of the lab's temp root. @default os.tmpdir() */
  tmpDir?: string;
  /** The `mesh` bundle the hosts' `mesh` shim runs. @default apps/cli/dist/mesh.cjs of this checkout */
  meshCli?: string;
  /**
   * Systemd hosts: the single-file `mesh` binary, visible as `/usr/local/bin/mesh`, in place of
   * Node and the bundle (the machines then have no Node at all, as a user's need none).
   * @default Node and {@link LabOptions.meshCli}
   */
  meshBinary?: string;
  /** Bound on each host's `tailscale up`. @default 60000 (ms) */
  joinTimeout?: number;
  /**
   * `bare`: each host is a network namespace with a temp root (`MESH_ROOT`). `systemd`: each
   * host is a Debian 12 machine booted with systemd in its namespace; `mesh` runs there on the
   * real paths (no `MESH_ROOT`). Systemd hosts start no daemon of the lab's: `headscale`,
   * `tailscale` and `syncthing` must be false. @default 'bare'
   */
  machines?: 'bare' | 'systemd';
  /** Root file system of systemd hosts. @default $MESH_CACHE_DIR/rootfs/current */
  rootfs?: string;
  /**
   * Programs a systemd host finds in `/usr/local/bin` when it boots. Leave one out to have mesh
   * install it, from the package source. @default headscale, tailscale, tailscaled, syncthing
   */
  machinePrograms?: readonly ('headscale' | 'tailscale' | 'tailscaled' | 'syncthing')[];
  /**
   * Serve release packages on the server host (`lab.packageSource`): `true` serves the ones
   * the install script built, a string names another directory. @default false
   */
  packageSource?: boolean | string;
  signal?: AbortSignal;
}

/** What {@link planStart} makes of the options. */
export interface StartPlan {
  headscale: boolean;
  tailscale: boolean;
  syncthing: boolean;
  /** Checked before any host is made, so a missing one fails in a second, not after a boot. */
  programs: LabProgram[];
}

/** Which daemons the lab starts and which programs must be installed for that. */
export function planStart(o: LabOptions): StartPlan {
  const tailscale = o.tailscale ?? true;
  const headscale = tailscale || (o.headscale ?? true);
  const syncthing = o.syncthing ?? false;
  const programs: LabProgram[] = ['socat'];
  if (headscale) programs.push('headscale');
  if (tailscale) programs.push('tailscale', 'tailscaled');
  if (syncthing) programs.push('syncthing');
  if (o.machines === 'systemd') {
    if (headscale || syncthing) {
      throw new LabError('systemd hosts start no daemon of the lab', {
        hint: 'pass headscale: false, tailscale: false, syncthing: false and run mesh there',
      });
    }
    // Every machine gets all four bound in for mesh to run, whatever the lab starts itself.
    programs.push('headscale', 'tailscale', 'tailscaled', 'syncthing');
  }
  return { headscale, tailscale, syncthing, programs };
}

/** The binary of `program` this lab runs: its option, else {@link resolveLabBinary}'s order. */
export function labBinary(o: LabOptions, program: LabProgram): string {
  const explicit = {
    headscale: o.headscaleBinary,
    tailscale: o.tailscaleBinary,
    tailscaled: o.tailscaledBinary,
    syncthing: o.syncthingBinary,
    socat: undefined,
  }[program];
  return resolveLabBinary(program, explicit);
}

/** Where problems go: `log`, else stderr, since a dead daemon must never pass unseen. */
export function problemLog(o: LabOptions): (line: string) => void {
  return o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
}
