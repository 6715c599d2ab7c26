import { createRequire as __meshCreateRequire } from 'node:module'; const require = __meshCreateRequire(import.meta.url);

// src/post.ts
process.stdout.write("mesh: nothing to clean up\n");
