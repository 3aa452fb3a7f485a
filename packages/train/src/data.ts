import * as tf from '@tensorflow/tfjs-core';
import { proceduralScene } from '@anydepth/procedural';
import { normalizeImage } from '@anydepth/model';

/** One RGB-D training sample at the training resolution. */
export interface TrainSample {
  /** Stable id (feature-cache keys, kept-lists, logs). */
  id: string;
  width: number;
  height: number;
  /**
   * Interleaved RGB in 0..255, `height·width·3`: 8-bit for rendered scenes; for dataset files the
   * unrounded output of `resizeForNetwork` (the resize inference uses), so nothing is quantised twice.
   */
  rgb: Uint8Array | Float32Array;
  /** Depth (any positive unit); invalid pixels are 0, NaN or ±Inf or flagged by `valid`. */
  depth: Float32Array;
  /** 1 = valid (optional; default: finite and > 0). */
  valid?: Uint8Array;
}

/** A random-access list of samples (procedural scenes, dataset files, …). */
export interface SampleSource {
  readonly length: number;
  id(index: number): string;
  get(index: number): TrainSample | Promise<TrainSample>;
}

export interface ProceduralSourceOptions {
  /** Number of scenes. */
  count: number;
  /** Seed of the first scene; scene i uses seed `firstSeed + i` (default 0). */
  firstSeed?: number;
  width: number;
  height: number;
  /** Keep rendered scenes in memory (default true). */
  memoize?: boolean;
}

/** Procedural rooms from `@anydepth/datasets` as a sample source (ids `scene-<seed>`). */
export function proceduralSource(options: ProceduralSourceOptions): SampleSource {
  const first = options.firstSeed ?? 0;
  const memo = new Map<number, TrainSample>();
  const render = (i: number): TrainSample => {
    const s = proceduralScene(first + i, { width: options.width, height: options.height });
    return { id: `scene-${first + i}`, width: s.width, height: s.height, rgb: s.rgb, depth: s.depth, valid: s.valid };
  };
  return {
    length: options.count,
    id: (i) => `scene-${first + i}`,
    get(i) {
      if (!(i >= 0 && i < options.count)) throw new RangeError(`proceduralSource: index ${i} outside [0, ${options.count})`);
      if (options.memoize === false) return render(i);
      let s = memo.get(i);
      if (!s) memo.set(i, (s = render(i)));
      return s;
    },
  };
}

/** The samples of `source` at `indices`, in that order. */
export function subsetSource(source: SampleSource, indices: number[]): SampleSource {
  return { length: indices.length, id: (i) => source.id(indices[i]), get: (i) => source.get(indices[i]) };
}

/** The samples whose id is in `kept` (a kept-list from the quality filter), in source order. */
export function keptSource(source: SampleSource, kept: Set<string>): SampleSource {
  const indices: number[] = [];
  for (let i = 0; i < source.length; i++) if (kept.has(source.id(i))) indices.push(i);
  return subsetSource(source, indices);
}

export function isValidDepth(sample: TrainSample, i: number): boolean {
  const d = sample.depth[i];
  return (sample.valid ? sample.valid[i] !== 0 : true) && Number.isFinite(d) && d > 0;
}

/**
 * The training target of spec decision 5: disparity 1/depth on valid pixels, min–max normalised to
 * [0, 1] per image (0 where invalid), and the valid mask.
 */
export function disparityTarget(sample: TrainSample): { target: Float32Array; mask: Float32Array } {
  const n = sample.width * sample.height;
  const target = new Float32Array(n);
  const mask = new Float32Array(n);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    if (!isValidDepth(sample, i)) continue;
    const d = 1 / sample.depth[i];
    mask[i] = 1;
    target[i] = d;
    if (d < lo) lo = d;
    if (d > hi) hi = d;
  }
  const range = hi - lo;
  for (let i = 0; i < n; i++) target[i] = mask[i] && range > 0 ? (target[i] - lo) / range : 0;
  return { target, mask };
}

/**
 * The network input of samples of one size, [B, H, W, 3]: their RGB through `normalizeImage` of
 * `@anydepth/model`, the normalisation `predict` applies (the resize happened in the source, with
 * `resizeForNetwork`, or the sample was rendered at this size).
 */
export function sampleImages(samples: TrainSample[]): tf.Tensor4D {
  const { width: W, height: H } = samples[0];
  const raw = new Float32Array(samples.length * H * W * 3);
  samples.forEach((s, b) => {
    if (s.width !== W || s.height !== H) throw new Error(`sampleImages: sample '${s.id}' is ${s.width}x${s.height}, the batch is ${W}x${H}`);
    if (s.rgb.length !== H * W * 3) throw new Error(`sampleImages: sample '${s.id}' has ${s.rgb.length} RGB values, expected ${W}x${H}x3`);
    raw.set(s.rgb, b * H * W * 3);
  });
  return tf.tidy(() => normalizeImage(tf.tensor4d(raw, [samples.length, H, W, 3]))); // [B, H, W, 3]
}

/** ImageNet-normalised NHWC float image [1, H, W, 3] of a sample (`sampleImages` of one sample, read back). */
export function normalizedImage(sample: TrainSample): Float32Array {
  const t = sampleImages([sample]);
  const out = t.dataSync() as Float32Array;
  t.dispose();
  return out;
}

/** Stacks samples (same size) into an image batch [B, H, W, 3], targets [B, H, W] and masks [B, H, W]. */
export function makeBatch(samples: TrainSample[]): { images: tf.Tensor4D; target: tf.Tensor3D; mask: tf.Tensor3D } {
  const { width: W, height: H } = samples[0];
  for (const s of samples) {
    if (s.width !== W || s.height !== H) throw new Error(`makeBatch: sample '${s.id}' is ${s.width}x${s.height}, the batch is ${W}x${H}`);
  }
  const B = samples.length;
  const tgt = new Float32Array(B * H * W);
  const msk = new Float32Array(B * H * W);
  samples.forEach((s, b) => {
    const { target, mask } = disparityTarget(s);
    tgt.set(target, b * H * W);
    msk.set(mask, b * H * W);
  });
  return {
    images: sampleImages(samples), // [B, H, W, 3]
    target: tf.tensor3d(tgt, [B, H, W]), // [B, H, W]
    mask: tf.tensor3d(msk, [B, H, W]), // [B, H, W]
  };
}
