import { packageBuild } from '../../tsup.shared.js';

export default packageBuild(['src/index.ts', 'src/node.ts', 'src/internal.ts']);
