import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Writes a fake `tailscale` (a shell script) that logs its argv, one arg per line, to
 * `argv.log`, copies an `--auth-key=file:` file's mode and content to `key.log`, then prints
 * `stdout`/`stderr` and exits with `exitCode`.
 */
export async function fakeTailscale(o: {
  stdout?: string;
  stderr?: string;
  exitCode?: number;
  /** Extra shell run before printing (e.g. `sleep 5`). */
  script?: string;
}): Promise<{ bin: string; dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'mesh-fake-ts-'));
  const bin = join(dir, 'tailscale');
  await writeFile(join(dir, 'stdout'), o.stdout ?? '');
  await writeFile(join(dir, 'stderr'), o.stderr ?? '');
  await writeFile(
    bin,
    `#!/bin/sh
for a in "$@"; do
  printf '%s\\n' "$a" >> '${dir}/argv.log'
  case "$a" in
    --auth-key=file:*) f="\${a#--auth-key=file:}"; { stat -c %a "$f"; cat "$f"; echo; } >> '${dir}/key.log' ;;
  esac
done
printf '%s\\n' '---' >> '${dir}/argv.log'
${o.script ?? ''}
cat '${dir}/stdout'
cat '${dir}/stderr' >&2
exit ${o.exitCode ?? 0}
`,
  );
  await chmod(bin, 0o755);
  return { bin, dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
