import { createMeshContext, type MeshContext } from '@mesh/core';
import type { Output } from './output/output.js';

/** The core context for this machine, reporting progress through the CLI output. */
export function context(out: Output): Promise<MeshContext> {
  return createMeshContext({ reporter: out });
}
