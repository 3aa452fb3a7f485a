import * as tf from '@tensorflow/tfjs-core';
import { type Sample, filterKept, readKeptList, readSampleDepth } from '@anydepth/datasets/node';
import { imageToTensor, resizeForNetwork } from '@anydepth/model';
import { loadImage } from '@anydepth/model/node';
import type { SampleSource, TrainSample } from './data.js';

export interface DatasetSourceOptions {
  /** Training resolution: every sample is resized to width × height (sides multiples of 16). */
  width: number;
  height: number;
  /** Only samples whose id is listed in this kept-list file (one id per line, from the quality filter). */
  keptList?: string;
  /** Keep decoded, resized samples in memory (default true). */
  memoize?: boolean;
}

/**
 * A dataset image as the network sees it at the training resolution: decoded like `anydepth predict`
 * and `anydepth eval` decode (`loadImage`: sharp, EXIF orientation, 8-bit sRGB), resized with
 * `resizeForNetwork` (area + bilinear, unrounded) as `predict` resizes. Normalisation follows in
 * `sampleImages`, as in `preprocessImage`.
 */
export async function readTrainingRgb(path: string, width: number, height: number): Promise<Float32Array> {
  const image = await loadImage(path);
  const resized = tf.tidy(() => resizeForNetwork(imageToTensor(image), { width, height })); // [1, height, width, 3]
  const rgb = (await resized.data()) as Float32Array;
  resized.dispose();
  return rgb;
}

/** Nearest-neighbour resize of depth and validity (depth values are never mixed across edges). */
function resizeDepth(
  depth: Float32Array,
  valid: Uint8Array | undefined,
  sw: number,
  sh: number,
  dw: number,
  dh: number,
): { depth: Float32Array; valid: Uint8Array } {
  const d = new Float32Array(dw * dh);
  const v = new Uint8Array(dw * dh);
  for (let y = 0; y < dh; y++) {
    const sy = Math.min(sh - 1, Math.floor(((y + 0.5) * sh) / dh));
    for (let x = 0; x < dw; x++) {
      const sx = Math.min(sw - 1, Math.floor(((x + 0.5) * sw) / dw));
      const si = sy * sw + sx;
      const value = depth[si];
      d[y * dw + x] = value;
      v[y * dw + x] = (valid ? valid[si] !== 0 : true) && Number.isFinite(value) && value > 0 ? 1 : 0;
    }
  }
  return { depth: d, valid: v };
}

/**
 * Samples listed by the `@anydepth/datasets` adapters (`listSamples`) as a training source: RGB through
 * `readTrainingRgb` (the inference decode and resize), depth decoded with the dataset's rule and resized
 * nearest-neighbour to the training resolution, optionally restricted to
 * a quality-filter kept-list.
 */
export function datasetSource(samples: Sample[], options: DatasetSourceOptions): SampleSource {
  const list = options.keptList ? filterKept(samples, readKeptList(options.keptList)) : samples;
  if (list.length === 0) throw new Error(`datasetSource: no samples${options.keptList ? ` left after the kept-list ${options.keptList}` : ''}`);
  const memo = new Map<number, TrainSample>();
  const { width, height } = options;
  return {
    length: list.length,
    id: (i) => list[i].id,
    async get(i) {
      const hit = memo.get(i);
      if (hit) return hit;
      const s = list[i];
      const [rgb, depth] = await Promise.all([readTrainingRgb(s.rgbPath, width, height), readSampleDepth(s)]);
      const d = resizeDepth(depth.data, depth.valid, depth.width, depth.height, width, height);
      const out: TrainSample = { id: s.id, width, height, rgb, depth: d.depth, valid: d.valid };
      if (options.memoize !== false) memo.set(i, out);
      return out;
    },
  };
}
