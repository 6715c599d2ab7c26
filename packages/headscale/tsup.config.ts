import { library } from '@mesh/tsup-config';
import { defineConfig } from 'tsup';

export default defineConfig({ ...library });
