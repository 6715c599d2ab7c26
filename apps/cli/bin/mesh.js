#!/usr/bin/env node
import '../dist/mesh.js';
