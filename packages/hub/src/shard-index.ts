import { repoFileNameProblem } from './hub.js';

/**
 * The distinct shard file names of a `model.safetensors.index.json` (its `weight_map` values), each checked
 * as a safe relative name (no `..`, no absolute path, no backslash, no empty segment) before anyone uses it
 * as a URL path or a file in the cache.
 */
export function shardFilesOf(indexJson: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(indexJson);
  } catch (e) {
    throw new Error(`shard index: not JSON (${(e as Error).message})`);
  }
  const map = (parsed as { weight_map?: unknown } | null)?.weight_map;
  if (!map || typeof map !== 'object') throw new Error('shard index: no weight_map object');
  const files = new Set<string>();
  for (const value of Object.values(map as Record<string, unknown>)) {
    if (typeof value !== 'string') throw new Error('shard index: weight_map values must be file names');
    const problem = repoFileNameProblem(value);
    if (problem) throw new Error(`shard index: unsafe file name '${value}' in weight_map: ${problem}`);
    files.add(value);
  }
  return [...files];
}
