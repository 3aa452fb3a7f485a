import { existsSync } from 'node:fs';
import { downloadPretrained } from '@anydepth/hub/node';
import type { AnyDepth, DepthEstimator } from '@anydepth/model';
import { createDepthEstimator, loadAnyDepthFromFiles } from '@anydepth/model/node';
import { CliError } from './errors.js';

const HUB_REPO_ID = /^[\w.-]+\/[\w.-]+$/;
const WEIGHT_FILE = /\.(pth|pt|bin|ckpt|safetensors|json|onnx)$/i;

/**
 * Whether a `--weights` value that is not on disk should be tried as a Hugging Face repo id
 * (`owner/name`). Anything that looks like a path — relative or absolute, more than one folder,
 * or a weights file extension — is not: a mistyped file name must say so, not hit the network.
 */
export function isHubRepoId(spec: string): boolean {
  return HUB_REPO_ID.test(spec) && !spec.startsWith('.') && !WEIGHT_FILE.test(spec);
}

/** Resolves one `--weights` value to a local file or folder, downloading hub repos into the cache. */
async function resolveWeights(spec: string): Promise<string> {
  if (existsSync(spec)) return spec;
  if (!isHubRepoId(spec)) throw new CliError(`weights not found: ${spec} (no such file or folder)`);
  try {
    return await downloadPretrained(spec);
  } catch (e) {
    throw new CliError(`cannot download weights '${spec}' from the Hugging Face hub: ${(e as Error).message.split('\n')[0]}`);
  }
}

/**
 * Loads `--weights` (repeatable): one checkpoint in any layout and format (.safetensors, sharded index,
 * PyTorch .pth/.pt/.bin/.ckpt — official AnyDepth, DDP `module.`, `{model: …}` wrappers, this project's
 * files), or a decoder file plus a DINOv3 backbone file or folder. Each value is a local path or a
 * Hugging Face repo id (downloaded once into the cache by @anydepth/hub; token from HF_TOKEN). `log`
 * receives what was recognised.
 */
export async function loadWeights(specs: string | string[], log: (line: string) => void = () => {}): Promise<AnyDepth> {
  const list = Array.isArray(specs) ? specs : [specs];
  const paths: string[] = [];
  for (const spec of list) paths.push(await resolveWeights(spec));
  try {
    const { model, report } = loadAnyDepthFromFiles(paths);
    for (const line of report.lines) log(`weights: ${line}`);
    return model;
  } catch (e) {
    throw new CliError(`cannot load weights '${list.join("' + '")}': ${(e as Error).message.split('\n')[0]}`);
  }
}

/**
 * Like `loadWeights`, for any family the library runs (AnyDepth or Depth Anything V2, told from the
 * checkpoint): values may also be `https://` URLs and one file of a hub repo (`hf://owner/name/file.pth`).
 * The recognised layout goes to `log`, and so does a warning when the weights are a toy.
 */
export async function loadEstimator(
  specs: string | string[],
  log: (line: string) => void = () => {},
  options: { preset?: string } = {},
): Promise<DepthEstimator> {
  const list = Array.isArray(specs) ? specs : [specs];
  const sources: string[] = [];
  for (const spec of list) sources.push(/^(hf|https?):\/\//i.test(spec) ? spec : await resolveWeights(spec));
  try {
    const estimator = await createDepthEstimator(sources, options.preset ? { preset: options.preset } : {});
    for (const line of estimator.lines) log(`weights: ${line}`);
    if (estimator.notice) log(`warning: ${estimator.notice}`);
    return estimator;
  } catch (e) {
    throw new CliError(`cannot load weights '${list.join("' + '")}': ${(e as Error).message.split('\n')[0]}`);
  }
}
