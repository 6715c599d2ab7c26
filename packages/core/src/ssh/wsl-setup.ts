import { WSL2_SSH_PORT } from '@mesh/platform';
import type { MeshContext } from '../context.js';
import { MeshError } from '../errors.js';
import type { MachineStepResult, MachineStepsOptions } from '../steps/machine-step.js';
import { ensureWslSshdStep } from '../steps/sshd.js';
import { describeKey, keySummary, type SshKeySummary, setLocalKeysBlock } from './local-keys.js';
import { findWindowsKeys } from './windows-keys.js';

export interface WslSetupSshOptions extends MachineStepsOptions {
  /** Only 2222 (see {@link wslSetupSsh}); given to say so rather than to change it. @default 2222 */
  port?: number;
  /** Copy the Windows user's public keys into this user's authorized_keys. @default true */
  copyKeys?: boolean;
}

export interface WslSetupSshResult {
  changed: boolean;
  changes: string[];
  /** What the user must do by hand (restart sshd without systemd, install openssh-server...). */
  manual: string[];
  port: number;
  sshd: MachineStepResult;
  /** null with --no-copy-keys. */
  windowsKeys: {
    /** `C:\Users\NAME\.ssh`, or null when it was not found. */
    source: string | null;
    /** Why no keys were copied, when they could not be. */
    reason: string | null;
    file: string | null;
    added: SshKeySummary[];
    present: number;
  } | null;
}

/** The managed block in authorized_keys holding the Windows user's keys (no host has a space). */
export function windowsKeysBlock(user: string): string {
  return `keys from Windows user ${user}`;
}

/** Refuses anywhere but inside WSL, saying where the command belongs. */
function requireWsl(ctx: MeshContext): void {
  if (ctx.platform.osType === 'wsl2') return;
  if (ctx.platform.os === 'windows') {
    throw new MeshError('mesh wsl setup-ssh runs inside the WSL2 distro, not on Windows', {
      kind: 'badInput',
      hint: 'open the distro (wsl) and run there: sudo mesh wsl setup-ssh',
    });
  }
  throw new MeshError(
    `mesh wsl setup-ssh is for a WSL2 distro; this machine is ${ctx.platform.osType}`,
    {
      kind: 'badInput',
      hint: 'elsewhere sshd keeps its own port: mesh ssh status shows it, mesh ssh add-key adds keys',
    },
  );
}

/**
 * WSL2's SSH server, as other machines reach it: sshd on 2222 (Windows' own sshd owns 22 on the
 * same machine), checked with `sshd -t`, restarted (the `wsl-sshd` step of client setup). Then,
 * unless `copyKeys` is false, the Windows user's public keys (`authorized_keys`, `id_*.pub` in
 * `C:\Users\NAME\.ssh`, through /mnt/c) are merged into this user's authorized_keys, in the block
 * `# mesh-managed: keys from Windows user NAME`; when Windows' files cannot be reached it says so
 * and goes on. Running it again changes nothing.
 */
export async function wslSetupSsh(
  ctx: MeshContext,
  o: WslSetupSshOptions = {},
): Promise<WslSetupSshResult> {
  requireWsl(ctx);
  const port = o.port ?? WSL2_SSH_PORT;
  if (port !== WSL2_SSH_PORT) {
    // Another port would be undone by client setup and doctor --fix, and missed by the Windows
    // firewall rule, mesh status and mesh host add: one port everywhere is the point.
    throw new MeshError(
      `--port ${port}: WSL2's sshd listens on ${WSL2_SSH_PORT}, the port every part of mesh uses`,
      {
        kind: 'badInput',
        hint: `leave --port out (mesh client setup and mesh doctor --fix set ${WSL2_SSH_PORT} again, and the Windows firewall rule "WSL2 SSH" opens ${WSL2_SSH_PORT})`,
      },
    );
  }
  const r = ctx.reporter;
  const sshd = await ensureWslSshdStep(ctx, o);
  const changes = [...sshd.changes];
  let windowsKeys: WslSetupSshResult['windowsKeys'] = null;
  if (o.copyKeys !== false) {
    const found = await findWindowsKeys(
      ctx,
      o.windowsRunner ? { windowsRunner: o.windowsRunner } : {},
    );
    if ('reason' in found) {
      r.warn(`Windows keys not copied: ${found.reason} (mesh ssh add-key FILE adds one by hand)`);
      windowsKeys = { source: null, reason: found.reason, file: null, added: [], present: 0 };
    } else {
      if (found.invalid > 0) {
        r.warn(`${found.folder}: skipped ${found.invalid} line(s) that are not public keys`);
      }
      const edit = await setLocalKeysBlock(ctx, windowsKeysBlock(found.user), found.keys, 'merge');
      const file = edit.file;
      for (const k of edit.added) {
        changes.push(`added ${describeKey(k)} from ${found.folder}`);
        r.ok(`Added ${describeKey(k)} from ${found.folder} to ${file}`);
      }
      if (edit.added.length === 0) {
        r.ok(`${file} has the Windows user's keys already (${found.keys.length})`);
      }
      windowsKeys = {
        source: found.folder,
        reason: null,
        file,
        added: edit.added.map(keySummary),
        present: edit.present.length,
      };
    }
  }
  r.info(
    'sshd stops when WSL shuts down; the Start WSL2 logon task (mesh windows script) starts the distro again',
  );
  return {
    changed: changes.length > 0,
    changes,
    manual: sshd.manual ?? [],
    port,
    sshd,
    windowsKeys,
  };
}
