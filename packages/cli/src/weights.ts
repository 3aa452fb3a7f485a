import { existsSync } from 'node:fs';
import { downloadPretrained } from '@anydepth/hub/node';
import type { AnyDepth } from '@anydepth/model';
import { loadAnyDepthFromFile } from '@anydepth/model/node';
import { CliError } from './errors.js';

const HUB_REPO_ID = /^[\w.-]+\/[\w.-]+$/;

/**
 * Loads `--weights`: a local safetensors file or folder, or a Hugging Face repo id (downloaded once into
 * the cache by the hub client of @anydepth/dinov3, token from HF_TOKEN; interrupted downloads resume).
 */
export async function loadWeights(spec: string): Promise<AnyDepth> {
  let path = spec;
  if (!existsSync(spec)) {
    if (!HUB_REPO_ID.test(spec)) throw new CliError(`weights not found: ${spec}`);
    try {
      path = await downloadPretrained(spec);
    } catch (e) {
      throw new CliError(`cannot download weights '${spec}' from the Hugging Face hub: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  try {
    return loadAnyDepthFromFile(path);
  } catch (e) {
    throw new CliError(`cannot load weights '${spec}': ${(e as Error).message.split('\n')[0]}`);
  }
}
