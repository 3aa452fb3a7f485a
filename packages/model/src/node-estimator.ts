import { existsSync } from 'node:fs';
import { type Checkpoint, useBackend } from '@anydepth/core';
import { openCheckpoint } from '@anydepth/core/node';
import { isHttpUrl, isRepoId } from '@anydepth/hub';
import { type SnapshotOptions, downloadPretrained, downloadRepoFile, downloadUrl } from '@anydepth/hub/node';
import { type DepthEstimator, type DepthEstimatorOptions, buildDepthEstimator } from './estimator.js';
import { readConfigJsonBeside } from './node.js';

export interface NodeDepthEstimatorOptions extends DepthEstimatorOptions, SnapshotOptions {}

/** `hf://owner/name/path/in/repo.pth`: one file of a hub repo. */
const HUB_FILE = /^hf:\/\/([A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*)\/(.+)$/;

/**
 * Where a weights argument lives on disk, downloading it first when it names the hub or a URL.
 * A string that is neither an existing path, an http(s) URL, `hf://owner/name/file` nor a bare
 * `owner/name` repo id is reported as a missing file: a mistyped path never turns into a hub request.
 */
export async function resolveWeightsPath(input: string, options: SnapshotOptions = {}): Promise<string> {
  if (existsSync(input)) return input;
  if (isHttpUrl(input)) return downloadUrl(input, options);
  const file = HUB_FILE.exec(input);
  if (file) {
    const path = await downloadRepoFile(file[1], file[2], options);
    // A transformers-style config.json beside it, when the repo has one.
    await downloadRepoFile(file[1], 'config.json', options).catch(() => undefined);
    return path;
  }
  const looksLikePath = /^[./~]|\\|\.(pth|pt|bin|ckpt|safetensors|json)$/i.test(input) || input.split('/').length !== 2;
  if (!looksLikePath && isRepoId(input)) return downloadPretrained(input, options);
  throw new Error(`no such file or folder: ${input} (a hub repo is written owner/name, one file of it hf://owner/name/file.pth, a download https://…)`);
}

/**
 * One call from weights to depth in Node. Each `source` is a local checkpoint file or folder
 * (safetensors, sharded index, PyTorch `.pth`/`.pt`/`.bin`/`.ckpt`), an http(s) URL, a hub repo id
 * (`owner/name`, its `model.safetensors`), one file of a repo (`hf://owner/name/file.pth`), bytes,
 * or an array of these (an AnyDepth decoder file plus a DINOv3 backbone file). Downloads are cached
 * and resumable (`@anydepth/hub/node`); tensors are read lazily from disk and the files closed once loaded.
 *
 * ```ts
 * const estimator = await createDepthEstimator('anydepth_vits.pth', { backend: 'wasm' });
 * const { disparity, width, height } = await estimator.estimate(await loadImage('photo.jpg'));
 * estimator.dispose();
 * ```
 */
export async function createDepthEstimator(
  source: string | URL | Uint8Array | ArrayBuffer | Array<string | URL | Uint8Array | ArrayBuffer>,
  options: NodeDepthEstimatorOptions = {},
): Promise<DepthEstimator> {
  if (options.backend) await useBackend(options.backend);
  const inputs = Array.isArray(source) ? source : [source];
  if (inputs.length === 0) throw new Error('createDepthEstimator: no weights given');
  const opened: Checkpoint[] = [];
  const labels: string[] = [];
  const configJsons: (Record<string, unknown> | undefined)[] = [];
  try {
    for (const input of inputs) {
      if (typeof input === 'string' || (input instanceof URL && input.protocol !== 'file:')) {
        const path = await resolveWeightsPath(String(input), options);
        configJsons.push(readConfigJsonBeside(path));
        opened.push(await openCheckpoint(path));
        labels.push(String(input));
      } else {
        opened.push(await openCheckpoint(input));
        configJsons.push(undefined);
        labels.push(input instanceof URL ? input.pathname : 'bytes');
      }
    }
    return buildDepthEstimator({ sources: opened, labels, configJsons }, options);
  } finally {
    for (const c of opened) c.close();
  }
}
