import { existsSync } from 'node:fs';
import type { AnyDepth } from '@anydepth/model';
import { loadAnyDepthFromFile } from '@anydepth/model/node';
import { CliError } from './errors.js';

/** Loads `--weights`: a local safetensors file or folder. */
export async function loadWeights(spec: string): Promise<AnyDepth> {
  if (!existsSync(spec)) {
    const hint = /^[\w.-]+\/[\w.-]+$/.test(spec) ? ' (Hugging Face repo ids are downloaded with fromPretrained in @anydepth/dinov3; pass a local file here)' : '';
    throw new CliError(`weights not found: ${spec}${hint}`);
  }
  try {
    return loadAnyDepthFromFile(spec);
  } catch (e) {
    throw new CliError(`cannot load weights '${spec}': ${(e as Error).message.split('\n')[0]}`);
  }
}
