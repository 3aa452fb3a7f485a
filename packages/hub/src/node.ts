/** Node-only: a download cache with resumable transfers. */
export { downloadFile, type DownloadOptions, type DownloadResult } from './node/download.js';
export { type SnapshotOptions, defaultCacheDir, withEnvToken, downloadPretrained, downloadUrl, downloadRepoFile } from './node/snapshot.js';
