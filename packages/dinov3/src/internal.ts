/**
 * `@anydepth/dinov3/internal`: pieces `@anydepth/model` and the tests build on (weight-name mapping, scheme
 * detection, layer spacing, size limits, RoPE internals) that an encoder user does not need. No stability
 * promise: they change with the packages that use them.
 */
export { DINOV3_FIELD_LIMITS, fourEvenIntervals, swigluHiddenDim } from './config.js';
export { ropeTensors, rotateHalf, type RopeTables } from './rope.js';
export { type WeightScheme, detectWeightScheme, hubToHfName, hfToHubName, HubToHfSource } from './weights.js';
export { buildPretrained, type BuildPretrainedOptions } from './pretrained.js';
