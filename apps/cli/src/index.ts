import { exitOnClosedPipe } from './output/closed-pipe.js';
import { VERSION } from './version.js';

// Before anything prints: `mesh status | head -2` must end quietly, not with a stack trace.
exitOnClosedPipe([process.stdout, process.stderr]);

// `mesh --version` answers before anything else loads: scripts call it to check the install.
// No top-level await: Node's single executable applications (Node 20 to 24) run CommonJS only.
const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.stdout.write(`${VERSION}\n`);
} else {
  void import('./main.js').then(({ main }) => main());
}
