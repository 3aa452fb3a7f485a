export {
  DEFAULT_HUB_ENDPOINT,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_JSON_BYTES,
  HubError,
  type HubOptions,
  type TransferLimits,
  announcedSha256,
  byteLimitFor,
  checkRepoFileName,
  checkRepoId,
  hubFileUrl,
  hubHeaders,
  httpErrorMessage,
  isHubOrigin,
  isRepoId,
  isHttpUrl,
  repoFileNameProblem,
} from './hub.js';
export { type FetchOptions, type HubResponse, type RequestOptions, IdleTimer, hubRequest, fetchBytes, fetchOptionalBytes } from './fetch.js';
export { shardFilesOf } from './shard-index.js';
