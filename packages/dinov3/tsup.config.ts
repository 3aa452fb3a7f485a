import { packageBuild } from '../../tsup.shared.js';

export default packageBuild(['src/index.ts', 'src/node.ts', 'src/internal.ts'], {
  external: ['@anydepth/core', '@anydepth/hub', '@tensorflow/tfjs-core'],
});
