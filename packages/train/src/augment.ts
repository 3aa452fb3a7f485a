import type { Rng } from '@anydepth/core';
import { TRAIN_DEFAULTS } from './defaults.js';
import type { TrainSample } from './data.js';

export interface AugmentOptions {
  /** Random horizontal flips with probability 0.5 (default true). */
  flip?: boolean;
  /** Maximum absolute rotation in degrees (default 5; 0 disables). */
  rotationDegrees?: number;
  /**
   * Draw the angle from this many evenly spaced values in [−max, max] instead of continuously, so
   * that cached encoder features can be reused across epochs (required with a feature cache when rotations are on).
   */
  rotationSteps?: number;
}

/** One drawn augmentation: applied identically to the image, the depth and the valid mask. */
export interface Augmentation {
  flip: boolean;
  /** Rotation in degrees (counter-clockwise in the image). */
  degrees: number;
}

export const IDENTITY_AUGMENTATION: Augmentation = { flip: false, degrees: 0 };

/** Draws an augmentation from the trainer's RNG (always two draws, so the stream does not depend on the options). */
export function drawAugmentation(rng: Rng, options: AugmentOptions): Augmentation {
  const a = rng.next();
  const b = rng.next();
  const flip = (options.flip ?? TRAIN_DEFAULTS.flip) && a < 0.5;
  const max = options.rotationDegrees ?? TRAIN_DEFAULTS.rotationDegrees;
  let degrees = 0;
  if (max > 0) {
    const steps = options.rotationSteps ?? 0;
    if (steps >= 2) degrees = -max + (2 * max * Math.min(steps - 1, Math.floor(b * steps))) / (steps - 1);
    else if (steps === 1) degrees = 0;
    else degrees = -max + 2 * max * b;
  }
  return { flip, degrees };
}

/** A stable key of an augmentation (feature-cache file names). */
export function augmentationKey(aug: Augmentation): string {
  return `${aug.flip ? 'f' : 'n'}${aug.degrees.toFixed(3)}`;
}

/**
 * Applies a flip and a rotation about the image centre. Rotating about the principal point is a camera
 * roll, which leaves planar depth unchanged, so depth values are resampled (nearest neighbour, never
 * mixed across edges) and pixels whose source falls outside the image become invalid. RGB is bilinear.
 */
export function applyAugmentation(sample: TrainSample, aug: Augmentation): TrainSample {
  if (!aug.flip && aug.degrees === 0) return sample;
  const { width: W, height: H } = sample;
  // 8-bit in, 8-bit out (rounded); float RGB (a dataset source's unrounded resize) stays unrounded.
  const float = sample.rgb instanceof Float32Array;
  const rgb = float ? new Float32Array(W * H * 3) : new Uint8Array(W * H * 3);
  const depth = new Float32Array(W * H);
  const valid = new Uint8Array(W * H);
  const srcValid = sample.valid;
  const theta = (aug.degrees * Math.PI) / 180;
  const c = Math.cos(theta);
  const s = Math.sin(theta);
  const cx = W / 2;
  const cy = H / 2;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      // output pixel centre → rotate back → un-flip → source coordinates (pixel-centre convention)
      const px = x + 0.5 - cx;
      const py = y + 0.5 - cy;
      let sx = c * px - s * py + cx;
      const sy = s * px + c * py + cy;
      if (aug.flip) sx = W - sx;
      const o = y * W + x;
      const nx = Math.floor(sx);
      const ny = Math.floor(sy);
      if (nx >= 0 && nx < W && ny >= 0 && ny < H) {
        const si = ny * W + nx;
        depth[o] = sample.depth[si];
        valid[o] = srcValid ? srcValid[si] : Number.isFinite(sample.depth[si]) && sample.depth[si] > 0 ? 1 : 0;
      }
      // bilinear RGB with clamped borders
      const fx = Math.min(Math.max(sx - 0.5, 0), W - 1);
      const fy = Math.min(Math.max(sy - 0.5, 0), H - 1);
      const x0 = Math.floor(fx);
      const y0 = Math.floor(fy);
      const x1 = Math.min(x0 + 1, W - 1);
      const y1 = Math.min(y0 + 1, H - 1);
      const wx = fx - x0;
      const wy = fy - y0;
      for (let ch = 0; ch < 3; ch++) {
        const v00 = sample.rgb[(y0 * W + x0) * 3 + ch];
        const v01 = sample.rgb[(y0 * W + x1) * 3 + ch];
        const v10 = sample.rgb[(y1 * W + x0) * 3 + ch];
        const v11 = sample.rgb[(y1 * W + x1) * 3 + ch];
        const v = (v00 * (1 - wx) + v01 * wx) * (1 - wy) + (v10 * (1 - wx) + v11 * wx) * wy;
        rgb[o * 3 + ch] = float ? v : Math.round(v);
      }
    }
  }
  return { id: sample.id, width: W, height: H, rgb, depth, valid };
}
