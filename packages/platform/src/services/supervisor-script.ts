/**
 * The supervisor a {@link supervisedServiceManager} starts detached, as plain JavaScript run with
 * `node -e` (so it needs no build step and no file of its own). Arguments: state dir, name.
 * It keeps `<name>.supervisor.pid` and `<name>.pid`, appends the child's output to `<name>.log`,
 * and restarts the child when it exits with exponential backoff (restartSec doubling, capped at
 * 60 s, reset after 30 s of good running). SIGTERM stops the child and then itself.
 */
export const SUPERVISOR_SCRIPT = String.raw`
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const [dir, name] = process.argv.slice(1);
const file = (ext) => path.join(dir, name + ext);
const spec = JSON.parse(fs.readFileSync(file('.json'), 'utf8'));
const base = Math.max(0.05, spec.restartSec ?? 1) * 1000;
let child, stopping = false, failures = 0;
const log = (msg) => fs.appendFileSync(file('.log'), '[mesh-supervisor ' + new Date().toISOString() + '] ' + msg + '\n');
const writePid = (ext, pid) => { fs.writeFileSync(file(ext) + '.tmp', String(pid) + '\n'); fs.renameSync(file(ext) + '.tmp', file(ext)); };
writePid('.supervisor.pid', process.pid);
function run() {
  const out = fs.openSync(file('.log'), 'a');
  const started = Date.now();
  child = spawn(spec.exec[0], spec.exec.slice(1), {
    cwd: spec.workingDirectory || dir, env: { ...process.env, ...(spec.env || {}) }, stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  child.on('error', (e) => log('cannot start: ' + e.message));
  if (child.pid) { writePid('.pid', child.pid); log('started pid ' + child.pid); }
  child.on('exit', (code, signal) => {
    fs.rmSync(file('.pid'), { force: true });
    if (stopping) return;
    log('exited ' + (signal || code));
    if (spec.restart === 'no' || (spec.restart !== 'always' && code === 0)) return finish();
    if (Date.now() - started > 30000) failures = 0;
    const delay = Math.min(base * 2 ** failures, 60000);
    failures++;
    setTimeout(run, delay);
  });
}
function finish() { fs.rmSync(file('.supervisor.pid'), { force: true }); process.exit(0); }
process.on('SIGTERM', () => {
  stopping = true;
  if (!child || child.exitCode !== null || child.signalCode !== null) return finish();
  child.once('exit', finish);
  child.kill('SIGTERM');
  setTimeout(() => child.kill('SIGKILL'), 10000).unref();
});
run();
`;
