import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import type { Rng } from '@anydepth/core';
import type { Checkpoint } from '@anydepth/core';
import { openCheckpointFile, writeFileAtomic } from '@anydepth/core/node';
import type { AnyDepth } from './anydepth.js';
import { type AnyDepthCheckpointReport, type LoadAnyDepthCheckpointOptions, loadAnyDepthCheckpoint } from './checkpoint.js';
import { type ColormapName, colorize } from './colormap.js';
import type { RawImage } from './image.js';
import { encodeNpyFloat32 } from './npy.js';
import type { Intrinsics } from '@anydepth/core';
import { encodePly } from './ply.js';
import { encodePng, encodePng16 } from './png.js';
import type { DepthPrediction } from './predict.js';
import type { AnyDepthConfig } from './presets.js';
import { finiteRange } from './finite-range.js';

export class ImageReadError extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`cannot read image '${path}': ${reason}`);
    this.name = 'ImageReadError';
  }
}

type SharpModule = typeof import('sharp');
let sharpPromise: Promise<SharpModule> | null = null;

async function loadSharp(): Promise<SharpModule> {
  sharpPromise ??= import('sharp').then((m) => ((m as unknown as { default?: SharpModule }).default ?? m) as SharpModule);
  try {
    return await sharpPromise;
  } catch (e) {
    sharpPromise = null;
    throw new Error(`decoding image files in Node needs the 'sharp' package: npm install sharp (${(e as Error).message})`);
  }
}

/** Decodes an image file or encoded buffer (JPEG, PNG, WebP, TIFF, …) to 8-bit RGB with sharp, honouring EXIF orientation. */
export async function loadImage(input: string | Uint8Array): Promise<RawImage> {
  const label = typeof input === 'string' ? input : '<buffer>';
  if (typeof input === 'string' && !existsSync(input)) throw new ImageReadError(label, 'no such file');
  const sharp = await loadSharp();
  try {
    const { data, info } = await sharp(input, { failOn: 'error', limitInputPixels: 268402689 })
      .rotate()
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`unexpected channel count ${info.channels}`);
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height, channels: 3 };
  } catch (e) {
    throw new ImageReadError(label, (e as Error).message.split('\n')[0]);
  }
}

/** Largest `config.json` read beside weights (a real one is a few KB; an untrusted one must not be parsed whole). */
const MAX_CONFIG_JSON_BYTES = 1 << 20;

/** A transformers-format `config.json` beside a weights file (or inside a weights folder), if there is one. */
export function readConfigJsonBeside(path: string): Record<string, unknown> | undefined {
  const file = existsSync(path) && statSync(path).isDirectory() ? join(path, 'config.json') : join(dirname(path), 'config.json');
  if (!existsSync(file)) return undefined;
  const size = statSync(file).size;
  if (size > MAX_CONFIG_JSON_BYTES) throw new Error(`${file}: ${size} bytes; a model config.json is at most ${MAX_CONFIG_JSON_BYTES}`);
  try {
    const json = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('not a JSON object');
    return json as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  }
}

/**
 * Opens AnyDepth weights from one or more files or folders — one checkpoint in any recognised layout
 * (`.safetensors`, sharded index, PyTorch `.pth`/`.pt`/`.bin`/`.ckpt`: the format comes from the bytes),
 * or a decoder-only file plus a DINOv3 backbone file/folder — builds the model from the explicit
 * config, the file's metadata or the tensors (+ a transformers `config.json` beside a DINOv3 HF
 * backbone) and loads it. Returns the model (eval mode) and what was recognised.
 */
export function loadAnyDepthFromFiles(
  paths: string | string[],
  options: Omit<LoadAnyDepthCheckpointOptions, 'hfConfigs'> = {},
): { model: AnyDepth; report: AnyDepthCheckpointReport } {
  const list = Array.isArray(paths) ? paths : [paths];
  if (list.length === 0) throw new Error('loadAnyDepthFromFiles: no weights given');
  const opened: Checkpoint[] = [];
  try {
    for (const p of list) opened.push(openCheckpointFile(p));
    const hfConfigs = list.map((p) => {
      const json = readConfigJsonBeside(p);
      return json && json.model_type === 'dinov3_vit' ? json : undefined;
    });
    return loadAnyDepthCheckpoint(opened, { ...options, hfConfigs });
  } finally {
    for (const c of opened) c.close();
  }
}

/** One checkpoint file or folder; see {@link loadAnyDepthFromFiles}. */
export function loadAnyDepthFromFile(path: string, options: { rng?: Rng; config?: AnyDepthConfig; maxModelBytes?: number } = {}): AnyDepth {
  return loadAnyDepthFromFiles([path], options).model;
}

export type OutputFormat = 'png16' | 'color' | 'npy' | 'ply';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['png16', 'color', 'npy', 'ply'];

export interface WriteOutputsOptions {
  formats: OutputFormat[];
  colormap?: ColormapName;
  /** Colours for the point cloud (the input image). */
  rgb?: RawImage;
  /** Point-cloud camera; default a 60° horizontal field of view. */
  intrinsics?: Intrinsics;
  fovDegrees?: number;
}

/**
 * Writes a prediction as `<name>_disp16.png`, `<name>_color.png`, `<name>_disp.npy` and `<name>.ply`
 * in `outDir`, each atomically (a reader never sees a partial file). Returns the paths written.
 */
export function writePredictionOutputs(
  prediction: Pick<DepthPrediction, 'disparity' | 'width' | 'height'>,
  outDir: string,
  name: string,
  options: WriteOutputsOptions,
): string[] {
  mkdirSync(outDir, { recursive: true });
  const { disparity, width, height } = prediction;
  const files: Array<[string, () => Uint8Array]> = [];
  for (const format of options.formats) {
    switch (format) {
      case 'png16':
        files.push([`${name}_disp16.png`, () => encodePng16(disparity, width, height)]);
        break;
      case 'color':
        files.push([
          `${name}_color.png`,
          () => encodePng(colorize(disparity, { colormap: options.colormap ?? 'turbo' }), width, height, { colorType: 2, bitDepth: 8 }),
        ]);
        break;
      case 'npy':
        files.push([`${name}_disp.npy`, () => encodeNpyFloat32(disparity, [height, width])]);
        break;
      case 'ply': {
        // Relative depth for display: inverse of the disparity normalised to [0.1, 1] of its range.
        files.push([
          `${name}.ply`,
          () => {
            const { min, max } = finiteRange(disparity);
            const span = max - min || 1;
            const depth = disparity.map((v) => 1 / (0.1 + (0.9 * (v - min)) / span));
            const rgb = options.rgb && options.rgb.width === width && options.rgb.height === height ? options.rgb : undefined;
            return encodePly(depth, width, height, {
              intrinsics: options.intrinsics,
              fovDegrees: options.fovDegrees,
              colors: rgb?.data as Uint8Array | undefined,
              colorChannels: rgb?.channels,
            });
          },
        ]);
        break;
      }
      default:
        throw new Error(`unknown output format '${format}' (choose ${OUTPUT_FORMATS.join(', ')})`);
    }
  }
  // Encode everything first so a failure writes nothing.
  const encoded = files.map(([file, make]) => [join(outDir, file), make()] as const);
  for (const [path, bytes] of encoded) writeFileAtomic(path, bytes);
  return encoded.map(([path]) => path);
}

/** The output base name for an input file path (`photos/cat.jpg` → `cat`). */
export function outputName(path: string): string {
  return basename(path, extname(path));
}

export { type NodeDepthEstimatorOptions, createDepthEstimator, resolveWeightsPath } from './node-estimator.js';
