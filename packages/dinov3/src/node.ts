/** Node-only: DINOv3 from local checkpoints, URLs and hub repos (downloads through `@anydepth/hub/node`). */
export { fromPretrained, type NodeFromPretrainedOptions } from './node/from-pretrained.js';
