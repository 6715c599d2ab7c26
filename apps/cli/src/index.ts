import { VERSION } from './version.js';

// `mesh --version` answers before anything else loads: scripts call it to check the install.
const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.stdout.write(`${VERSION}\n`);
} else {
  await import('./main.js');
}
