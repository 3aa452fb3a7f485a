import { packageBuild } from '../../tsup.shared.js';

export default packageBuild(['src/index.ts', 'src/bin.ts'], {
  dts: { entry: ['src/index.ts'] },
  treeshake: false,
  external: ['sharp', /^@tensorflow\//],
});
