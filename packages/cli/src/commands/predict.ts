import { parseArgs } from 'node:util';
import { type BackendName, useBackend } from '@anydepth/core';
import { COLORMAPS, type ColormapName, predict } from '@anydepth/model';
import { ImageReadError, OUTPUT_FORMATS, type OutputFormat, loadImage, outputName, writePredictionOutputs } from '@anydepth/model/node';
import { CliError, UsageError } from '../errors.js';
import { Progress } from '../progress.js';
import { loadWeights } from '../weights.js';

export const PREDICT_HELP = `Usage: anydepth predict <images...> --weights <file> --out <dir> [options]

Predicts affine-invariant disparity (near = bright) for each image.

Options:
  --weights <file|id>  AnyDepth checkpoint: .safetensors file, folder, or Hugging Face repo id (required)
  --out <dir>          output folder                                                (required)
  --size <px>          longer side of the network input, rounded to 16 (default 768)
  --colormap <name>    ${COLORMAPS.join(' | ')} (default turbo)
  --format <list>      comma-separated: ${OUTPUT_FORMATS.join(',')} (default png16,color)
  --backend <name>     auto | tensorflow | wasm | webgpu | cpu (default auto)
  --fov <degrees>      horizontal field of view for the PLY point cloud (default 60)
  -h, --help           show this help
`;

const BACKENDS = ['auto', 'tensorflow', 'wasm', 'webgpu', 'cpu'];

export async function runPredict(argv: string[], log: (line: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      weights: { type: 'string' },
      out: { type: 'string' },
      size: { type: 'string', default: '768' },
      colormap: { type: 'string', default: 'turbo' },
      format: { type: 'string', default: 'png16,color' },
      backend: { type: 'string', default: 'auto' },
      fov: { type: 'string', default: '60' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    log(PREDICT_HELP);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('predict: no input images (see anydepth predict --help)');
  if (!values.weights) throw new UsageError('predict: --weights is required');
  if (!values.out) throw new UsageError('predict: --out is required');
  const size = Number(values.size);
  if (!Number.isInteger(size) || size < 16) throw new UsageError(`predict: --size must be an integer ≥ 16, got '${values.size}'`);
  const fov = Number(values.fov);
  if (!(fov > 0 && fov < 180)) throw new UsageError(`predict: --fov must be in (0, 180), got '${values.fov}'`);
  if (!COLORMAPS.includes(values.colormap as ColormapName)) throw new UsageError(`predict: unknown colormap '${values.colormap}' (choose ${COLORMAPS.join(', ')})`);
  const formats = values.format!.split(',').map((f) => f.trim()).filter(Boolean) as OutputFormat[];
  const badFormat = formats.find((f) => !OUTPUT_FORMATS.includes(f));
  if (badFormat || formats.length === 0) throw new UsageError(`predict: unknown format '${badFormat ?? ''}' (choose from ${OUTPUT_FORMATS.join(',')})`);
  if (!BACKENDS.includes(values.backend!)) throw new UsageError(`predict: unknown backend '${values.backend}' (choose ${BACKENDS.join(', ')})`);

  // Decode every image before loading the model or writing anything: a bad input costs nothing.
  const images = [];
  for (const path of positionals) {
    try {
      images.push({ path, rgb: await loadImage(path) });
    } catch (e) {
      throw new CliError(e instanceof ImageReadError ? e.message : `cannot read image '${path}': ${(e as Error).message}`);
    }
  }
  const backend = await useBackend(values.backend as BackendName).catch((e: Error) => {
    throw new CliError(e.message);
  });
  const model = await loadWeights(values.weights);
  const progress = new Progress(images.length, 'predict');
  log(`backend ${backend}; ${images.length} image(s) → ${values.out}`);
  try {
    for (const { path, rgb } of images) {
      const prediction = await predict(model, rgb, { size });
      const written = writePredictionOutputs(prediction, values.out, outputName(path), {
        formats,
        colormap: values.colormap as ColormapName,
        rgb,
        fovDegrees: fov,
      });
      const t = prediction.timings;
      progress.tick(1, `${outputName(path)} (${prediction.networkWidth}×${prediction.networkHeight}, ${t.inferenceMs.toFixed(0)} ms)`);
      if (images.length === 1) log(`wrote ${written.join(', ')}`);
    }
  } finally {
    model.dispose();
  }
  return 0;
}
