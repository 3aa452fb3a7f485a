export { type HeadFeature, checkFeatures } from '@anydepth/core';
