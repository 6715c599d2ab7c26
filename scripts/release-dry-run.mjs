// Rehearses `pnpm release` without publishing or touching the network: packs every public
// workspace package exactly as `changeset publish` (through `pnpm publish`) would, prints what
// each tarball holds and checks it. Exit 1 if a tarball would ship broken.
//
//   node scripts/release-dry-run.mjs      # or: pnpm release:dry-run
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const run = (file, args, cwd) =>
  execFileSync(file, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

const workspace = JSON.parse(run('pnpm', ['-r', 'ls', '--json', '--depth', '-1'])).filter(
  (p) => p.name !== 'mesh-monorepo',
);
const published = workspace.filter((p) => !p.private);
const privateNames = new Set(workspace.filter((p) => p.private).map((p) => p.name));
const publishedNames = new Set(published.map((p) => p.name));

/** Every file path a manifest points at: main, types, bin and each exports target. */
function targets(manifest) {
  const found = [manifest.main, manifest.types];
  const walk = (value) => {
    if (typeof value === 'string') found.push(value);
    else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(manifest.exports);
  walk(manifest.bin);
  return found.filter(Boolean).map((p) => path.posix.normalize(p));
}

/** What is wrong with one packed package, as sentences; empty when it can be published. */
function problems(manifest, files) {
  const found = [];
  for (const need of ['package.json', 'README.md', 'LICENSE']) {
    if (!files.includes(need)) found.push(`${need} is not in the tarball`);
  }
  for (const target of targets(manifest)) {
    if (!files.includes(target))
      found.push(`${target} (named in package.json) is not in the tarball`);
  }
  const stray = files.filter((f) => /^(src|test|tests|bench)\/|\.test\.|\.tsbuildinfo$/.test(f));
  if (stray.length > 0) found.push(`sources or tests would ship: ${stray.join(', ')}`);
  if (!manifest.license) found.push('package.json has no license');
  if (!manifest.engines?.node) found.push('package.json has no engines.node');
  if (!manifest.keywords?.length) found.push('package.json has no keywords');
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [name, spec] of Object.entries(manifest[field] ?? {})) {
      if (String(spec).startsWith('workspace:')) found.push(`${field}.${name} is still ${spec}`);
      if (privateNames.has(name)) found.push(`${field}.${name} is private and never published`);
      if (name.startsWith('@mesh/') && !publishedNames.has(name)) {
        found.push(`${field}.${name} is not a workspace package that is published`);
      }
    }
  }
  return found;
}

const dir = mkdtempSync(path.join(tmpdir(), 'mesh-release-'));
let failed = 0;
try {
  console.log(`Would publish ${published.length} packages (nothing is sent):`);
  for (const pkg of published) {
    const packed = JSON.parse(run('pnpm', ['pack', '--json', '--pack-destination', dir], pkg.path));
    const files = packed.files.map((f) => f.path).sort();
    const manifest = JSON.parse(run('tar', ['-xzOf', packed.filename, 'package/package.json']));
    const kb = (statSync(packed.filename).size / 1024).toFixed(0);
    console.log(`\n${manifest.name}@${manifest.version}  ${files.length} files, ${kb} kB packed`);
    for (const file of files) console.log(`  ${file}`);
    for (const problem of problems(manifest, files)) {
      failed++;
      console.log(`  ERROR: ${problem}`);
    }
  }
  console.log(`\nNot published (private): ${[...privateNames].sort().join(', ')}`);
  // `changeset version` reads every pending changeset first: one it cannot parse stops the
  // release, so each is read here (`changeset status`) and the versions they ask for printed.
  const plan = path.join(dir, 'plan.json');
  try {
    run('pnpm', ['exec', 'changeset', 'status', '--output', path.relative(process.cwd(), plan)]);
    const { releases } = JSON.parse(readFileSync(plan, 'utf8'));
    const bumps = releases.filter((r) => r.type !== 'none');
    console.log(
      `\nPending changesets ask for: ${bumps.map((r) => `${r.name} ${r.type}`).join(', ') || 'nothing'}`,
    );
  } catch (error) {
    failed++;
    const why = String(error.stderr ?? error.message)
      .split('\n')
      .find((l) => /error/i.test(l));
    console.log(`\nERROR: the pending changesets cannot be read: ${why ?? error.message}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
if (failed > 0) {
  console.log(`\n${failed} problem(s): fix them before \`pnpm release\``);
  process.exit(1);
}
console.log('\nOK: every public package would publish as listed');
