/**
 * `@anydepth/model/internal`: helpers the CLI, the other packages and the tests use (config limits, layout
 * details, the tiled SDT head, colormap tables, `--help` text) that an application does not need. No
 * stability promise: they change with the packages that use them.
 */
export { ANYDEPTH_FIELD_LIMITS, sdtParameterEstimate } from './presets.js';
export { CONFIG_METADATA_KEY, loadCheckpointLayout } from './checkpoint.js';
export { detectDepthAnythingV2Layout, hfToOfficialHeadName } from './dav2-weights.js';
export { isDataTensor } from './checkpoint-layout.js';
export { isRawImage } from './image.js';
export { sdtForwardTiled, dysampleRows } from './tiled-sdt.js';
export { HUB_WEIGHT_FILES, toyModelNotice, unionSource } from './estimator.js';
export { colormapLut, displayRange } from './colormap.js';
export { presetHelp } from './registry.js';
