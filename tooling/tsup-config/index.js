// The one build configuration every package spreads into its tsup.config.ts.
// Kept as plain JS so tsup can load it without compiling a workspace dependency.
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** @type {import('tsup').Options} */
export const library = {
  entry: ['src/index.ts'],
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  // The error contract (`@mesh/errors`) is shared as source and compiled into each package, its
  // types too, so a published package never depends on it: it is private and never published.
  // The declaration build resolves it through the root tsconfig's `paths`, which are relative to
  // the repository root (tsup would otherwise take them from the package folder and leave the
  // import external).
  dts: { compilerOptions: { baseUrl: repoRoot } },
  sourcemap: true,
  clean: true,
  splitting: false,
  treeshake: true,
  noExternal: ['@mesh/errors'],
};

/**
 * Bare `undici` imports, exactly, resolve to {@link ./undici-lean.js} (its own `undici/lib/...`
 * imports are left alone, which an alias would not do).
 * @type {import('esbuild').Plugin}
 */
const undiciLean = {
  name: 'mesh-undici-lean',
  setup(build) {
    const shim = fileURLToPath(new URL('./undici-lean.js', import.meta.url));
    build.onResolve({ filter: /^undici$/ }, () => ({ path: shim }));
  },
};

/**
 * Apps run with nothing but Node: every @mesh package and every dependency is bundled in.
 * @type {import('tsup').Options}
 */
export const app = {
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  dts: false,
  sourcemap: true,
  clean: true,
  splitting: false,
  noExternal: [/.*/],
  esbuildPlugins: [undiciLean],
  // Bundled CommonJS dependencies (yargs helpers and friends) still call require().
  banner: {
    js: "import { createRequire as __meshCreateRequire } from 'node:module'; const require = __meshCreateRequire(import.meta.url);",
  },
};

const packagesDir = fileURLToPath(new URL('../../packages/', import.meta.url));

/**
 * An app split into chunks that load on demand: each command imports only what it uses, so a
 * quick command (`--version`, `status`) and the long-running agent do not carry the whole
 * toolkit. The workspace libraries are compiled from their sources, module by module (their
 * dist files are one module each, which cannot be split).
 * @type {import('tsup').Options}
 */
export const splitApp = {
  ...app,
  splitting: true,
  esbuildOptions(options) {
    options.alias = Object.fromEntries(
      ['core', 'headscale', 'tailscale', 'platform', 'syncthing-client'].map((name) => [
        `@mesh/${name}`,
        `${packagesDir}${name}/src/index.ts`,
      ]),
    );
  },
};
