import { accessSync, constants, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { BackendName } from '@anydepth/core';
import { ANYDEPTH_INPUT, COLORMAPS, type ColormapName, DAV2_INPUT, getPreset, listPresets } from '@anydepth/model';
import { presetHelp } from '@anydepth/model/internal';
import { ImageReadError, OUTPUT_FORMATS, type OutputFormat, loadImage, outputName, writePredictionOutputs } from '@anydepth/model/node';
import { CliError, UsageError } from '../errors.js';
import { startBackend } from '../backend.js';
import { Progress } from '../progress.js';
import { loadEstimator } from '../weights.js';
import { MODEL_COMMAND_OPTIONS } from '../options.js';

/** Largest `--size`: a square 4096-px input is already 65,536 tokens (16 GiB for one attention matrix). */
export const MAX_SIZE = 4096;

export const PREDICT_HELP = `Usage: anydepth predict <images...> --weights <file> --out <dir> [options]

Predicts affine-invariant disparity (near = bright) for each image.

Options:
  --weights <source>   AnyDepth or Depth Anything V2 weights (required; repeat for an AnyDepth decoder file
                       plus a DINOv3 backbone): .safetensors, sharded index, PyTorch .pth/.pt/.bin/.ckpt
                       (official files too), a folder, a Hugging Face repo id owner/name, one file of a
                       repo hf://owner/name/file.pth, or an https:// URL
  --out <dir>          output folder                                                (required)
  --model <preset>     the configuration, instead of inferring it from the checkpoint (one of:
${presetHelp('anydepth', '                         ')}
${presetHelp('depth-anything-v2', '                         ')})
  --size <px>          network input size, at most ${MAX_SIZE}: AnyDepth the longer side rounded to ${ANYDEPTH_INPUT.multiple}
                       (default ${ANYDEPTH_INPUT.size}); Depth Anything V2 the shorter side, multiples of ${DAV2_INPUT.multiple} (default ${DAV2_INPUT.size})
  --colormap <name>    ${COLORMAPS.join(' | ')} (default turbo)
  --format <list>      comma-separated: ${OUTPUT_FORMATS.join(',')} (default png16,color)
  --backend <name>     auto | tensorflow | wasm | webgpu | cpu (default auto)
  --fov <degrees>      horizontal field of view for the PLY point cloud (default 60)
  -h, --help           show this help

Every input is decoded first; an image that cannot be read (or fails later) is reported on stderr
and skipped, and the others are written.
Exit codes: 0 every image written; 1 an error, nothing written (no image could be read, bad weights,
unusable output folder); 2 a usage error; 3 some images failed (listed on stderr), the others were written.
`;

const BACKENDS = ['auto', 'tensorflow', 'wasm', 'webgpu', 'cpu'];

/** Exit code when some images of a batch failed and the others were written. */
export const EXIT_SOME_FAILED = 3;

/** Tokens of a square `size`-px input at patch 16, and the bytes of one float32 attention matrix over them. */
export function attentionEstimate(size: number, patch = 16): { tokens: number; bytes: number } {
  const tokens = Math.ceil(size / patch) ** 2;
  return { tokens, bytes: tokens * tokens * 4 };
}

const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;

/** Checks `--out` before any work: a folder (created if missing) that a file can be written to. */
function prepareOutputFolder(out: string): void {
  if (existsSync(out) && !statSync(out).isDirectory()) throw new CliError(`predict: the output folder '${out}' exists and is not a folder`);
  try {
    mkdirSync(out, { recursive: true });
    accessSync(out, constants.W_OK);
    const probe = join(out, `.anydepth-write-test-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new CliError(`predict: cannot ${existsSync(out) ? 'write to' : 'create'} the output folder '${out}': ${err.message}`);
  }
}

export async function runPredict(argv: string[], log: (line: string) => void, error: (line: string) => void = log): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...MODEL_COMMAND_OPTIONS,
      out: { type: 'string' },
      size: { type: 'string' },
      model: { type: 'string' },
      colormap: { type: 'string', default: 'turbo' },
      format: { type: 'string', default: 'png16,color' },
      fov: { type: 'string', default: '60' },
    },
  });
  if (values.help) {
    log(PREDICT_HELP);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('predict: no input images (see anydepth predict --help)');
  if (!values.weights?.length) throw new UsageError('predict: --weights is required');
  if (!values.out) throw new UsageError('predict: --out is required');
  const depthModels = [...listPresets('anydepth'), ...listPresets('depth-anything-v2')];
  if (values.model !== undefined && !depthModels.includes(values.model))
    throw new UsageError(`predict: unknown model '${values.model}' (choose ${depthModels.join(', ')})`);
  const size = Number(values.size ?? (values.model ? getPreset(values.model).input.size : Math.max(ANYDEPTH_INPUT.size, DAV2_INPUT.size))); // the largest default, for the checks below
  if (!Number.isInteger(size) || size < 16) throw new UsageError(`predict: --size must be an integer ≥ 16, got '${values.size}'`);
  const estimate = attentionEstimate(size);
  if (size > MAX_SIZE) {
    throw new UsageError(
      `predict: --size ${size} is over the limit of ${MAX_SIZE} (a square ${size}-px input is ${estimate.tokens} tokens: one attention matrix alone takes ${gib(estimate.bytes)})`,
    );
  }
  const fov = Number(values.fov);
  if (!(fov > 0 && fov < 180)) throw new UsageError(`predict: --fov must be in (0, 180), got '${values.fov}'`);
  if (!COLORMAPS.includes(values.colormap as ColormapName))
    throw new UsageError(`predict: unknown colormap '${values.colormap}' (choose ${COLORMAPS.join(', ')})`);
  const formats = values
    .format!.split(',')
    .map((f) => f.trim())
    .filter(Boolean) as OutputFormat[];
  const badFormat = formats.find((f) => !OUTPUT_FORMATS.includes(f));
  if (badFormat || formats.length === 0) throw new UsageError(`predict: unknown format '${badFormat ?? ''}' (choose from ${OUTPUT_FORMATS.join(',')})`);
  if (!BACKENDS.includes(values.backend!)) throw new UsageError(`predict: unknown backend '${values.backend}' (choose ${BACKENDS.join(', ')})`);

  prepareOutputFolder(values.out);

  // Decode every image before loading the model: a bad input costs nothing, and is reported and skipped.
  const images = [];
  let failed = 0;
  for (const path of positionals) {
    try {
      images.push({ path, rgb: await loadImage(path) });
    } catch (e) {
      failed++;
      error(`anydepth: ${e instanceof ImageReadError ? e.message : `cannot read image '${path}': ${(e as Error).message}`}`);
    }
  }
  if (images.length === 0) return 1; // each failure is on stderr already
  if (estimate.bytes > 2 ** 30) log(`note: --size ${size} means up to ${estimate.tokens} tokens; one attention matrix takes ${gib(estimate.bytes)}`);
  const backend = await startBackend(values.backend as BackendName, log, { winograd: true });
  const estimator = await loadEstimator(values.weights, log, { preset: values.model });
  const progress = new Progress(images.length, 'predict');
  log(`backend ${backend}; ${images.length} image(s) → ${values.out}`);
  try {
    for (const { path, rgb } of images) {
      try {
        const prediction = await estimator.estimate(rgb, values.size === undefined ? {} : { size });
        const written = writePredictionOutputs(prediction, values.out, outputName(path), {
          formats,
          colormap: values.colormap as ColormapName,
          rgb,
          fovDegrees: fov,
        });
        progress.tick(1, `${outputName(path)} (${prediction.networkWidth}×${prediction.networkHeight}, ${prediction.milliseconds.toFixed(0)} ms)`);
        if (positionals.length === 1) log(`wrote ${written.join(', ')}`);
      } catch (e) {
        failed++;
        error(`anydepth: predict: '${path}' failed: ${(e as Error).message.split('\n')[0]}`);
      }
    }
  } finally {
    estimator.dispose();
  }
  if (failed === 0) return 0;
  if (failed === positionals.length) return 1;
  error(`anydepth: predict: ${failed} of ${positionals.length} image(s) failed (listed above); the others were written`);
  return EXIT_SOME_FAILED;
}
