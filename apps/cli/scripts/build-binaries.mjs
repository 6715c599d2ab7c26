// Builds the single-file `mesh` binaries (Node's single executable applications) from the
// CommonJS bundle that `tsup --config tsup.sea.config.ts` wrote to dist-bin/bundle/mesh.cjs:
// dist-bin/mesh for linux-x64 and dist-bin/mesh.exe for win-x64, both embedding Node 24.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inject } from 'postject';

const app = fileURLToPath(new URL('..', import.meta.url));
const out = path.join(app, 'dist-bin');
const bundle = path.join(out, 'bundle', 'mesh.cjs');
const nodeVersions = path.join(app, '../../scripts/node-versions.sh');
// Node 24: the LTS line supported longest (to April 2028). Both binaries embed the same version,
// pinned in scripts/node-versions.sh, since a blob fits only the Node version that made it.
const NODE_MAJOR = '24';
// The fuse Node checks to know a blob was injected (Node's single-executable-applications doc).
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

/** Where the pinned Node of a platform is cached, fetched from the npm registry if missing. */
function pinnedNode(platform) {
  return execFileSync('bash', [nodeVersions, 'path', NODE_MAJOR, platform], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
}

const has = (command) => {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/**
 * Runs `inject` without the ELF reader's complaint about the notes section of Node's binary
 * ("Can't find string offset for section name '.note'"): harmless, a dozen lines per build.
 */
async function quietly(run) {
  const warn = console.warn;
  console.warn = (...args) => {
    if (!/^warning: Can't find string offset for section name/.test(String(args[0]))) warn(...args);
  };
  try {
    await run();
  } finally {
    console.warn = warn;
  }
}

const hostNode = pinnedNode('linux-x64');
const targets = [
  // V8's code cache is only valid for the V8 build that made it: the Linux binary embeds the
  // very Node that makes the blob, the Windows one cannot use it.
  { platform: 'linux-x64', file: 'mesh', node: hostNode, useCodeCache: true },
  { platform: 'win-x64', file: 'mesh.exe', node: pinnedNode('win-x64'), useCodeCache: false },
];

for (const target of targets) {
  const blob = path.join(out, 'bundle', `${target.platform}.blob`);
  const config = path.join(out, 'bundle', `${target.platform}.sea-config.json`);
  writeFileSync(
    config,
    JSON.stringify({
      main: bundle,
      output: blob,
      disableExperimentalSEAWarning: true,
      useCodeCache: target.useCodeCache,
      useSnapshot: false,
    }),
  );
  // The blob must come from the same Node version as the binary it goes into.
  execFileSync(hostNode, ['--experimental-sea-config', config], { stdio: 'inherit' });

  const binary = path.join(out, target.file);
  rmSync(binary, { force: true });
  if (target.platform === 'linux-x64' && has('strip')) {
    // The registry's Node carries its debug symbols: 18 MB nobody running `mesh` needs.
    execFileSync('strip', ['-o', binary, target.node]);
  } else if (target.platform.startsWith('win') && has('osslsigncode')) {
    // Injecting breaks the Node project's Authenticode signature; an unsigned file is honest
    // about it (Node's SEA guide removes it with signtool on Windows).
    execFileSync('osslsigncode', ['remove-signature', '-in', target.node, '-out', binary], {
      stdio: 'ignore',
    });
  } else {
    copyFileSync(target.node, binary);
  }
  chmodSync(binary, 0o755);
  await quietly(() =>
    inject(binary, 'NODE_SEA_BLOB', readFileSync(blob), { sentinelFuse: SEA_FUSE }),
  );
  const mb = (statSync(binary).size / 1e6).toFixed(1);
  console.log(`${path.relative(app, binary)}: ${target.platform}, Node ${NODE_MAJOR}, ${mb} MB`);
}
