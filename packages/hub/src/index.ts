export { DEFAULT_HUB_ENDPOINT, HubError, type HubOptions, hubFileUrl, hubHeaders, httpErrorMessage, isRepoId, isHttpUrl } from './hub.js';
export { type FetchOptions, hubGet, fetchBytes, fetchOptionalBytes } from './fetch.js';
export { shardFilesOf } from './shard-index.js';
