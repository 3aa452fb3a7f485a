// Helpers the DPT heads are built from; not part of the stable public API (it may change in any release).
// Users import from '@anydepth/dpt'. The MAC counters live in @anydepth/core.
export { interpolateBilinear } from './interpolate.js';
