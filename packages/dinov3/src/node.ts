/** Node-only helpers: local checkpoints, a download cache and resumable hub downloads. */
export { downloadFile, type DownloadOptions, type DownloadResult } from './node/download.js';
export { fromPretrained, downloadPretrained, defaultCacheDir, type NodeFromPretrainedOptions } from './node/from-pretrained.js';
