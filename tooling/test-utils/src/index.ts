export { type UntilOptions, until } from './until.js';
