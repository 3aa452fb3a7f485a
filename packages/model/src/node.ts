import { existsSync, mkdirSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import type { Rng } from '@anydepth/core';
import { openSafetensors, writeFileAtomic } from '@anydepth/core/node';
import type { AnyDepth } from './anydepth.js';
import { configFromCheckpoint, loadAnyDepthWeights } from './checkpoint.js';
import { type ColormapName, colorize } from './colormap.js';
import type { RawImage } from './image.js';
import { encodeNpyFloat32 } from './npy.js';
import { encodePly, type Intrinsics } from './ply.js';
import { encodePng, encodePng16 } from './png.js';
import type { DepthPrediction } from './predict.js';
import { createAnyDepth } from './presets.js';

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

/**
 * Opens an AnyDepth checkpoint (a `.safetensors` file or a folder with `model.safetensors` /
 * sharded index): builds the model from its metadata (or tensor shapes) and loads the weights.
 */
export function loadAnyDepthFromFile(path: string, options: { rng?: Rng; maxModelBytes?: number } = {}): AnyDepth {
  const ckpt = openSafetensors(path);
  try {
    const source = ckpt.source as typeof ckpt.source & { metadata?: Record<string, string> };
    const config = configFromCheckpoint(source, options);
    const model = createAnyDepth(config, options);
    try {
      loadAnyDepthWeights(model, source);
    } catch (e) {
      model.dispose();
      throw e;
    }
    return model;
  } finally {
    ckpt.close();
  }
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
export function writePredictionOutputs(prediction: DepthPrediction, outDir: string, name: string, options: WriteOutputsOptions): string[] {
  mkdirSync(outDir, { recursive: true });
  const { disparity, width, height } = prediction;
  const files: Array<[string, () => Uint8Array]> = [];
  for (const format of options.formats) {
    switch (format) {
      case 'png16':
        files.push([`${name}_disp16.png`, () => encodePng16(disparity, width, height)]);
        break;
      case 'color':
        files.push([`${name}_color.png`, () => encodePng(colorize(disparity, { colormap: options.colormap ?? 'turbo' }), width, height, { colorType: 2, bitDepth: 8 })]);
        break;
      case 'npy':
        files.push([`${name}_disp.npy`, () => encodeNpyFloat32(disparity, [height, width])]);
        break;
      case 'ply': {
        // Relative depth for display: inverse of the disparity normalised to [0.1, 1] of its range.
        files.push([
          `${name}.ply`,
          () => {
            let min = Infinity;
            let max = -Infinity;
            for (const v of disparity) if (Number.isFinite(v)) { if (v < min) min = v; if (v > max) max = v; }
            const span = max - min || 1;
            const depth = disparity.map((v) => 1 / (0.1 + (0.9 * (v - min)) / span));
            const rgb = options.rgb && options.rgb.width === width && options.rgb.height === height ? options.rgb : undefined;
            return encodePly(depth, width, height, { intrinsics: options.intrinsics, fovDegrees: options.fovDegrees, colors: rgb?.data as Uint8Array | undefined, colorChannels: rgb?.channels });
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

