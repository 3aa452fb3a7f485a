import { defineConfig, type Options } from 'tsup';

/**
 * The build every package ships: ESM and CJS side by side, declarations, source maps, ES2022. A package's
 * `tsup.config.ts` names only its entry points and what differs (externals, shims, declaration entries).
 */
export function packageBuild(entry: NonNullable<Options['entry']>, overrides: Options = {}) {
  return defineConfig({
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'es2022',
    treeshake: true,
    ...overrides,
  });
}
