// Adds up every vitest JSON report into the one closing line CI reads:
// "N passed, N failed, N skipped". Exits non-zero when a suite failed or nothing ran.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const roots = ['packages', 'apps', 'tooling'].flatMap((d) =>
  existsSync(d) ? readdirSync(d).map((n) => join(d, n)) : [],
);
roots.push('tests');

let passed = 0;
let failed = 0;
let skipped = 0;
let failedSuites = 0;
// Each failed or retried test by file and name, with its (first) error's first line: CI shows
// only the run's tail.
const failures = [];
const retried = [];
for (const root of roots) {
  const file = join(root, '.vitest', 'report.json');
  if (!existsSync(file)) continue;
  const report = JSON.parse(readFileSync(file, 'utf8'));
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  failedSuites += report.numFailedTestSuites ?? 0;
  for (const file of report.testResults ?? []) {
    const where = file.name.slice(file.name.indexOf(root));
    const failedTests = (file.assertionResults ?? []).some((t) => t.status === 'failed');
    if (file.status === 'failed' && !failedTests) {
      // A hook (beforeAll) failed: vitest skips the tests and leaves no message in the report.
      const why =
        firstLine(file.message ?? '') || 'failed outside its tests (a hook); they were skipped';
      failures.push(`FAILED ${where}: ${why}`);
    }
    for (const test of file.assertionResults ?? []) {
      const first = `${where} > ${test.fullName}: ${firstLine(test.failureMessages?.[0] ?? '')}`;
      if (test.status === 'failed') failures.push(`FAILED ${first}`);
      // A passed test with errors passed on a retry (lab suites allow one): named, not hidden.
      else if (test.status === 'passed' && test.failureMessages?.length)
        retried.push(`RETRIED ${first}`);
    }
  }
  console.log(
    `${root}: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${report.numPendingTests} skipped`,
  );
}
const line = `${passed} passed, ${failed} failed, ${skipped} skipped`;
const closing = [...retried, ...failures, line];
console.log(['', ...closing].join('\n'));
// test-all.sh prints them again as the run's very last lines.
writeFileSync('.vitest-summary', `${closing.join('\n')}\n`);
if (failed > 0 || failedSuites > 0 || passed === 0) process.exitCode = 1;

function firstLine(message) {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: vitest's messages carry colour codes
  const plain = message.replace(/\u001b\[[0-9;]*m/g, '').trim();
  return (plain.split('\n')[0] ?? '').slice(0, 300);
}
