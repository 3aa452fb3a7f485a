import type { HostTensor, SafetensorsDType } from '../host-tensor.js';
import { type ShardIndex, parseShardIndex } from '../safetensors.js';
import type { Checkpoint } from './checkpoint.js';
import { CheckpointError } from './errors.js';

/** Largest index file read (real ones are well under 1 MB). */
export const MAX_INDEX_BYTES = 64 * 1024 * 1024;

/** Parses a `*.index.json` (safetensors or `pytorch_model.bin` shards) and checks every shard name is a plain file name. */
export function parseCheckpointIndex(text: string, label: string): ShardIndex {
  const index = parseShardIndex(text, label);
  for (const shard of new Set(Object.values(index.weight_map))) {
    if (shard.includes('/') || shard.includes('\\') || shard === '..' || shard === '.' || shard === '') {
      throw new CheckpointError(`${label}: shard name ${JSON.stringify(shard)} is not a plain file name in the index's folder`);
    }
  }
  return index;
}

/** Several checkpoints tied together by an index's `weight_map`, seen as one. */
export class ShardedCheckpoint implements Checkpoint {
  readonly format = 'sharded' as const;
  readonly metadata: Record<string, string>;
  readonly files: string[];

  constructor(
    readonly index: ShardIndex,
    private readonly shards: Map<string, Checkpoint>,
    readonly label: string,
  ) {
    for (const [name, shard] of Object.entries(index.weight_map)) {
      const file = shards.get(shard);
      if (!file) throw new CheckpointError(`${label}: shard '${shard}' (holding '${name}') was not provided`);
      if (!file.has(name)) throw new CheckpointError(`${label}: shard '${shard}' has no tensor '${name}' although the index says so`);
    }
    this.metadata = Object.fromEntries(Object.entries(index.metadata ?? {}).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
    this.files = [...shards.values()].flatMap((s) => s.files);
  }

  private shardOf(name: string): Checkpoint | undefined {
    const shard = Object.hasOwn(this.index.weight_map, name) ? this.index.weight_map[name] : undefined;
    return shard === undefined ? undefined : this.shards.get(shard);
  }

  keys(): string[] {
    return Object.keys(this.index.weight_map);
  }

  has(name: string): boolean {
    return this.shardOf(name) !== undefined;
  }

  shapeOf(name: string): number[] | undefined {
    return this.shardOf(name)?.shapeOf(name);
  }

  dtypeOf(name: string): SafetensorsDType | undefined {
    return this.shardOf(name)?.dtypeOf(name);
  }

  get(name: string): HostTensor | undefined {
    return this.shardOf(name)?.get(name);
  }

  close(): void {
    for (const s of this.shards.values()) s.close();
  }
}
