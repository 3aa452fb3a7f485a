export type { HeadFeature } from '@anydepth/core';
export { checkFeatures } from '@anydepth/core/internal';
