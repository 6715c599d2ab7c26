import packageJson from '../package.json' with { type: 'json' };

/** The CLI's own version, baked into the bundle at build time. */
export const VERSION: string = packageJson.version;
