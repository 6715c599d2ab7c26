#!/usr/bin/env node
// CommonJS: Node starts it faster than an ES module, and `mesh --version` and `mesh status`
// answer from it before the rest of the CLI loads.
require('../dist/mesh.cjs');
