// The one build configuration every package spreads into its tsup.config.ts.
// Kept as plain JS so tsup can load it without compiling a workspace dependency.

/** @type {import('tsup').Options} */
export const library = {
  entry: ['src/index.ts'],
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  dts: true,
  sourcemap: true,
  clean: true,
  splitting: false,
  treeshake: true,
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
  // Bundled CommonJS dependencies (yargs helpers and friends) still call require().
  banner: {
    js: "import { createRequire as __meshCreateRequire } from 'node:module'; const require = __meshCreateRequire(import.meta.url);",
  },
};
