import { app } from '@mesh/tsup-config';
import { defineConfig } from 'tsup';

export default defineConfig({ ...app, entry: { mesh: 'src/index.ts' } });
