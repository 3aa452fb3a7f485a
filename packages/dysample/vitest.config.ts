import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { baseTestConfig } from '../../vitest.shared.js';

// The README snippet imports '@anydepth/dysample'; its test runs it against the source, which need not be built.
export default defineConfig({
  ...baseTestConfig,
  resolve: { alias: { '@anydepth/dysample': fileURLToPath(new URL('./src/index.ts', import.meta.url)) } },
});
