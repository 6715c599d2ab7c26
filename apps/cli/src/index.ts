import { exitOnClosedPipe } from './output/closed-pipe.js';
import { askAgent } from './status-socket/client.js';
import { answeredByAgent, statusSocketPath } from './status-socket/protocol.js';
import { VERSION } from './version.js';

// Before anything prints: `mesh status | head -2` must end quietly, not with a stack trace.
exitOnClosedPipe([process.stdout, process.stderr]);

// `mesh --version` answers before anything else loads: scripts call it to check the install.
// `mesh status` goes to the running agent first, which has the code loaded; without one, the
// CLI loads and runs it. No top-level await: Node's single executable applications (Node 20
// to 24) run CommonJS only.
const argv = process.argv.slice(2);
const run = () => void import('./main.js').then(({ main }) => main());
const socketPath = answeredByAgent(argv) ? statusSocketPath(process.env) : undefined;
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.stdout.write(`${VERSION}\n`);
} else if (socketPath === undefined) {
  run();
} else {
  void askAgent({
    socketPath,
    request: {
      argv,
      env: definedOnly(process.env),
      cwd: process.cwd(),
      uid: process.getuid?.() ?? null,
      tty: { stdout: process.stdout.isTTY === true, stderr: process.stderr.isTTY === true },
    },
    stdout: process.stdout,
    stderr: process.stderr,
  }).then((code) => {
    if (code === undefined) run();
    else process.exitCode = code;
  });
}

function definedOnly(env: NodeJS.ProcessEnv): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) kept[k] = v;
  return kept;
}
