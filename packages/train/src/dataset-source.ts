import { type Sample, filterKept, readImage, readKeptList, readSampleDepth } from '@anydepth/datasets/node';
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

/** Bilinear resize of interleaved 8-bit RGB (half-pixel centres). */
function resizeRgb(src: Uint8Array | Uint16Array, sw: number, sh: number, channels: number, dw: number, dh: number, bitDepth: number): Uint8Array {
  const out = new Uint8Array(dw * dh * 3);
  const div = bitDepth === 16 ? 257 : 1;
  for (let y = 0; y < dh; y++) {
    const fy = Math.min(Math.max(((y + 0.5) * sh) / dh - 0.5, 0), sh - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, sh - 1);
    const wy = fy - y0;
    for (let x = 0; x < dw; x++) {
      const fx = Math.min(Math.max(((x + 0.5) * sw) / dw - 0.5, 0), sw - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, sw - 1);
      const wx = fx - x0;
      for (let c = 0; c < 3; c++) {
        const ch = Math.min(c, channels - 1);
        const v =
          (src[(y0 * sw + x0) * channels + ch] * (1 - wx) + src[(y0 * sw + x1) * channels + ch] * wx) * (1 - wy) +
          (src[(y1 * sw + x0) * channels + ch] * (1 - wx) + src[(y1 * sw + x1) * channels + ch] * wx) * wy;
        out[(y * dw + x) * 3 + c] = Math.round(v / div);
      }
    }
  }
  return out;
}

/** Nearest-neighbour resize of depth and validity (depth values are never mixed across edges). */
function resizeDepth(depth: Float32Array, valid: Uint8Array | undefined, sw: number, sh: number, dw: number, dh: number): { depth: Float32Array; valid: Uint8Array } {
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
 * Samples listed by the `@anydepth/datasets` adapters (`listSamples`) as a training source: RGB and
 * depth decoded with the dataset's rule, resized to the training resolution, optionally restricted to
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
      const [img, depth] = await Promise.all([readImage(s.rgbPath), readSampleDepth(s)]);
      const rgb = resizeRgb(img.data, img.width, img.height, img.channels, width, height, img.bitDepth);
      const d = resizeDepth(depth.data, depth.valid, depth.width, depth.height, width, height);
      const out: TrainSample = { id: s.id, width, height, rgb, depth: d.depth, valid: d.valid };
      if (options.memoize !== false) memo.set(i, out);
      return out;
    },
  };
}
