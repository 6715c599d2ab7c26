import { splitApp } from '@mesh/tsup-config';
import { defineConfig } from 'tsup';

export default defineConfig({ ...splitApp, entry: { mesh: 'src/index.ts' } });
