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
for (const root of roots) {
  const file = join(root, '.vitest', 'report.json');
  if (!existsSync(file)) continue;
  const report = JSON.parse(readFileSync(file, 'utf8'));
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  failedSuites += report.numFailedTestSuites ?? 0;
  console.log(
    `${root}: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${report.numPendingTests} skipped`,
  );
}
const line = `${passed} passed, ${failed} failed, ${skipped} skipped`;
console.log(`\n${line}`);
// test-all.sh prints it again as the run's very last line.
writeFileSync('.vitest-summary', `${line}\n`);
if (failed > 0 || failedSuites > 0 || passed === 0) process.exitCode = 1;
