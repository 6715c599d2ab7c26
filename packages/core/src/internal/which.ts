/** Moved to `@mesh/platform` (`findOnPath`); the old name is kept for existing imports. */
export { findOnPath as absoluteProgram } from '@mesh/platform';
