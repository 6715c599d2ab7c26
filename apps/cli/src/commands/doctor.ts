import { ExitCode, doctor as runDoctor } from '@mesh/core';
import { context } from '../context.js';
import type { Output } from '../output/output.js';

const LABEL = { ok: 'PASS:', info: 'INFO:', warn: 'WARN:', fail: 'FAIL:' } as const;
const COLOUR = { ok: 'green', info: 'dim', warn: 'yellow', fail: 'red' } as const;

/**
 * `mesh doctor [--fix]`: every check with its evidence, in order; with `--fix`, the safe
 * repairs it made and what is left for a person. Exit 0 when healthy, else 3.
 */
export async function doctorCommand(
  a: { json: boolean; fix: boolean },
  out: Output,
): Promise<number> {
  const ctx = await context(out);
  const r = await runDoctor(ctx, { fix: a.fix });
  out.section(a.fix ? 'Checks (after repairs)' : 'Checks');
  for (const c of r.after.checks) {
    out.line(`${out.colour(COLOUR[c.level], LABEL[c.level])} [${c.section}] ${c.message}`);
    if (c.fix && c.level === 'fail') out.line(`  Fix: ${c.fix}`);
  }
  if (a.fix) {
    out.section('Repairs');
    if (r.fixes.length === 0) out.info('nothing to repair');
    for (const f of r.fixes) {
      if (f.ok) out.ok(`${f.action} (for ${f.check})`);
      else out.warn(`could not repair ${f.check}: ${f.error ?? 'failed'}`);
    }
  }
  out.section('Summary');
  if (r.healthy) out.ok('All checks pass');
  else {
    for (const c of r.leftForYou)
      out.line(`${out.colour('red', 'LEFT:')} ${c.message}${c.fix ? ` (${c.fix})` : ''}`);
    if (!a.fix)
      out.info('mesh doctor --fix applies the safe repairs (start, restart, resume, pair)');
  }
  out.result({
    ok: r.healthy,
    healthy: r.healthy,
    checks: r.after.checks,
    fixes: r.fixes,
    leftForYou: r.leftForYou,
  });
  return r.healthy ? ExitCode.ok : ExitCode.unhealthy;
}
