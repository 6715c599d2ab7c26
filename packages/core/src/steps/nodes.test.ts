import { describe, expect, it } from 'vitest';
import type { MeshContext } from '../context.js';
import { changeNode } from './nodes.js';

describe('changeNode', () => {
  it('refuses a removal that is not confirmed, before anything else', async () => {
    // No context at all: nothing may be looked at, asked or changed.
    const ctx = {} as MeshContext;
    await expect(changeNode(ctx, 'remove', 'laptop')).rejects.toMatchObject({
      message: 'removing node laptop: not confirmed',
      exitCode: 4,
    });
  });
});
