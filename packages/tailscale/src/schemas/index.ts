export * from './notify.js';
export * from './ping.js';
export * from './prefs.js';
export * from './status.js';
