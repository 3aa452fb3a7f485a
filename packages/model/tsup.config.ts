import { packageBuild } from '../../tsup.shared.js';

export default packageBuild({ index: 'src/index.ts', node: 'src/node.ts', internal: 'src/internal.ts' }, { treeshake: false, external: ['sharp'] });
