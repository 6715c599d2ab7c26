import { chmod, writeFile } from 'node:fs/promises';
import { MeshError, validateServerUrl, windowsAgentCommand, windowsSetupScript } from '@mesh/core';
import { resolveServerUrl, runElevatedScript } from '@mesh/platform';
import { context } from '../context.js';
import type { Output } from '../output/output.js';

export interface WindowsScriptArgs {
  json: boolean;
  server?: string | undefined;
  out?: string | undefined;
  distro?: string | undefined;
  /** Windows path of mesh.exe or mesh.js for the `Mesh Agent` task; no task without it. */
  agent?: string | undefined;
  /** node.exe for a mesh.js agent. @default 'C:\Program Files\nodejs\node.exe' */
  node?: string | undefined;
  /** Run it now through UAC (from WSL2); absent when not given, as the flag has no default. */
  elevate?: boolean | undefined;
}

/**
 * `mesh windows script`: the reviewable, idempotent PowerShell script for the Windows side of
 * this mesh (winget installs, firewall rules, Syncthing configured like the Linux roles with the
 * shared folder at `MESH_SHARED_FOLDER_WINDOWS` and started at logon, `Start WSL2` task,
 * `Mesh Agent` task with `--agent`, Tailscale registry values and tailscaled-env.txt). It never
 * holds an auth key: the script reads
 * `-AuthKey` or `MESH_TAILSCALE_AUTHKEY` when it runs. `--elevate` (from WSL2 only) runs it
 * through UAC.
 */
export async function windowsScript(a: WindowsScriptArgs, out: Output): Promise<number> {
  const ctx = await context(out);
  // The one rule for the server URL (--server, MESH_SERVER_URL, HEADSCALE_SERVER, saved file).
  const saved = (
    await resolveServerUrl({ option: a.server, settings: ctx.settings, env: ctx.env }).catch(
      () => undefined,
    )
  )?.url;
  if (!saved) {
    throw new MeshError('No server URL: pass --server URL or run mesh client setup first', {
      kind: 'badInput',
      hint: 'e.g. mesh windows script --server http://10.0.0.1:8080',
    });
  }
  const serverUrl = validateServerUrl(saved);
  const distro = a.distro ?? ctx.platform.wsl?.distro;
  if (a.agent === undefined && a.node !== undefined) {
    throw new MeshError('--node needs --agent, the Windows path of mesh.js', {
      kind: 'badInput',
      hint: 'e.g. mesh windows script --agent C:\\Tools\\mesh.js --node D:\\node\\node.exe',
    });
  }
  const agent = a.agent === undefined ? undefined : windowsAgentCommand(a.agent, a.node);
  const sharedFolder = ctx.settings.sharedFolderWindows;
  const script = windowsSetupScript({ serverUrl, distro, agent, sharedFolder });
  if (!distro)
    out.warnErr('No WSL distro known (pass --distro NAME): the script has no Start WSL2 task');
  if (!agent)
    out.warnErr(
      'No --agent given (the Windows path of mesh.exe or mesh.js): the script has no Mesh Agent task',
    );
  const agentCommand = agent && [agent.program, ...agent.args];

  if (a.elevate) {
    if (!ctx.platform.wsl?.interop) {
      throw new MeshError('--elevate runs the script from WSL2 with Windows interop', {
        kind: 'badInput',
        hint: 'write it with --out and run it from an elevated PowerShell on Windows',
      });
    }
    out.info('Starting the script elevated: accept the UAC prompt on the Windows desktop');
    const r = await runElevatedScript(script, { runner: ctx.runner });
    for (const line of r.log.split(/\r?\n/).filter(Boolean)) out.line(line);
    out.result({
      ok: r.exitCode === 0,
      serverUrl,
      distro,
      sharedFolder,
      agent: agentCommand,
      exitCode: r.exitCode,
      log: r.log,
    });
    if (r.exitCode !== 0) out.warn(`the Windows script ended with exit code ${r.exitCode}`);
    return r.exitCode === 0 ? 0 : 1;
  }

  if (a.out) {
    await writeFile(a.out, script, { mode: 0o644 });
    await chmod(a.out, 0o644);
    out.ok(`Wrote ${a.out}`);
    out.info(
      'Review it, then from an elevated PowerShell: powershell -ExecutionPolicy Bypass -File setup-mesh.ps1 [-AuthKey KEY]',
    );
    out.result({ ok: true, serverUrl, distro, sharedFolder, agent: agentCommand, file: a.out });
    return 0;
  }
  if (out.json) {
    out.result({ ok: true, serverUrl, distro, sharedFolder, agent: agentCommand, script });
  }
  // line() adds the last "\n" back: stdout is the script byte for byte (CRLF endings).
  else out.line(script.slice(0, -1));
  return 0;
}
