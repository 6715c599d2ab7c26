import { shellQuote } from '@mesh/platform';
import type { MeshContext } from '../context.js';
import { findHost } from '../hosts/registry.js';
import { sshArgs, sshTarget } from './ssh.js';

/** The sudoers drop-in provisioning needs: mesh itself, and putting mesh in place. */
export function provisioningSudoers(user: string): string {
  return [
    '# Written by mesh remote prepare: lets mesh remote provision run mesh as root without a password.',
    `${user} ALL=(root) NOPASSWD:SETENV: /usr/local/bin/mesh, /usr/bin/mesh, /usr/bin/install -D -m 755 * /usr/local/bin/mesh`,
    '',
  ].join('\n');
}

/**
 * What `mesh remote prepare` runs there as root: the drop-in is written beside its place (sudo
 * skips names with a dot), checked with `visudo -c`, then renamed in (0440), so a bad file never
 * reaches /etc/sudoers.d.
 */
export function provisioningScript(user: string): string {
  const file = '/etc/sudoers.d/mesh-provisioning';
  return [
    'set -e',
    'tmp=$(mktemp /etc/sudoers.d/.mesh-provisioning.XXXXXX)',
    `printf %s ${shellQuote(provisioningSudoers(user))} > "$tmp"`,
    'chmod 0440 "$tmp"',
    `if visudo -c -f "$tmp" >/dev/null; then mv "$tmp" ${file}; else rm -f "$tmp"; exit 1; fi`,
    `echo "${file} written and checked"`,
  ].join('\n');
}

/** The one interactive step: ssh with a terminal, where the user types the sudo password once. */
export async function prepareHostCommand(ctx: MeshContext, name: string): Promise<string[]> {
  const target = sshTarget(ctx, await findHost(ctx, name));
  const args = sshArgs(target, `sudo sh -c ${shellQuote(provisioningScript(target.user))}`);
  // A terminal for the password prompt; batch mode would refuse to ask.
  const batch = args.indexOf('BatchMode=yes');
  return ['ssh', '-t', ...args.filter((_, i) => i !== batch && i !== batch - 1)];
}

/**
 * `mesh remote prepare`: runs {@link prepareHostCommand} on this terminal, where the person
 * types the sudo password once. Resolves with ssh's exit code.
 */
export async function prepareHost(ctx: MeshContext, name: string): Promise<number> {
  const [file, ...args] = await prepareHostCommand(ctx, name);
  const r = await ctx.runner.run(file as string, args, { terminal: true, timeout: 300_000 });
  return r.exitCode;
}
