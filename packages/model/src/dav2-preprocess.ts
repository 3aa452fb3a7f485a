import * as tf from '@tensorflow/tfjs-core';
import { bicubicTaps } from '@anydepth/dinov2';
import type { DepthAnythingV2 } from './depth-anything-v2.js';
import { IMAGENET_NORMALIZATION, type InputSpec, normalizeImage } from './preprocess.js';

/** Depth Anything V2's input (official `image2tensor`): both sides at least 518, multiples of 14, bicubic. */
export const DAV2_INPUT: Readonly<InputSpec> = { sizeRule: 'lower-bound', size: 518, multiple: 14, resample: 'bicubic' };

export interface DepthAnythingV2InputOptions {
  /** The lower bound of both sides (official `input_size`, default 518). */
  inputSize?: number;
  /** Each side becomes a multiple of this (default 14, the patch size). */
  multiple?: number;
}

/** numpy's `np.round`: halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * The network size of the official `image2tensor` (`Resize(keep_aspect_ratio=True,
 * resize_method='lower_bound', ensure_multiple_of=14)`): one scale for both sides, the larger of
 * inputSize/H and inputSize/W, so the shorter side reaches inputSize; each side then rounded
 * (half to even) to a multiple of 14, rounded up instead when that would fall below inputSize.
 */
export function depthAnythingV2InputSize(width: number, height: number, options: DepthAnythingV2InputOptions = {}): { width: number; height: number } {
  const size = options.inputSize ?? DAV2_INPUT.size;
  const m = options.multiple ?? DAV2_INPUT.multiple;
  if (!(width > 0 && height > 0)) throw new Error(`depthAnythingV2InputSize: image size must be positive, got ${width}×${height}`);
  const scale = Math.max(size / height, size / width);
  const constrain = (x: number) => {
    const y = roundHalfEven(x / m) * m;
    return y < size ? Math.ceil(x / m) * m : y;
  };
  return { width: constrain(scale * width), height: constrain(scale * height) };
}

/**
 * Bicubic resize of an NHWC image along one axis (1 = rows, 2 = columns) with the 4-tap Keys
 * kernel (A = -0.75), half-pixel centres and replicated borders — OpenCV's INTER_CUBIC, which the
 * official preprocessing uses (no antialiasing when shrinking, like OpenCV).
 */
function resizeCubicAxis(x: tf.Tensor4D, axis: 1 | 2, outSize: number): tf.Tensor4D {
  return tf.tidy(() => {
    const inSize = x.shape[axis];
    if (inSize === outSize) return tf.clone(x);
    const { indices, weights } = bicubicTaps({ inSize, outSize });
    const taps = tf.gather(x, tf.tensor1d(indices, 'int32'), axis); // [B, 4·out, W, C] or [B, H, 4·out, C]
    const [b, h, w, c] = x.shape;
    if (axis === 1) {
      const grouped = tf.reshape(taps, [b, outSize, 4, w, c]); // [B, out, 4, W, C]
      return tf.sum(tf.mul(grouped, tf.reshape(tf.tensor1d(weights), [1, outSize, 4, 1, 1])), 2) as tf.Tensor4D; // [B, out, W, C]
    }
    const grouped = tf.reshape(taps, [b, h, outSize, 4, c]); // [B, H, out, 4, C]
    return tf.sum(tf.mul(grouped, tf.reshape(tf.tensor1d(weights), [1, 1, outSize, 4, 1])), 3) as tf.Tensor4D; // [B, H, out, C]
  });
}

/** OpenCV-style bicubic resize (INTER_CUBIC) of an NHWC image to [height, width]. */
export function resizeBicubic(image: tf.Tensor4D, size: { width: number; height: number }): tf.Tensor4D {
  return tf.tidy(() => resizeCubicAxis(resizeCubicAxis(tf.cast(image, 'float32') as tf.Tensor4D, 1, size.height), 2, size.width));
}

/**
 * The official Depth Anything V2 preprocessing (`image2tensor`): RGB / 255, bicubic resize to
 * `depthAnythingV2InputSize`, ImageNet normalisation. `rgb` [H, W, 3] in 0..255 (RGB order) →
 * [1, h, w, 3] float32 with h, w multiples of 14.
 */
export function preprocessDepthAnythingV2(rgb: tf.Tensor3D, options: DepthAnythingV2InputOptions = {}): tf.Tensor4D {
  if (rgb.rank !== 3 || rgb.shape[2] !== 3) throw new Error(`preprocessDepthAnythingV2: expected an RGB image [H, W, 3], got [${rgb.shape}]`);
  const [height, width] = rgb.shape;
  const target = depthAnythingV2InputSize(width, height, options);
  return tf.tidy(() => {
    const scaled = tf.div(tf.cast(tf.expandDims(rgb, 0), 'float32'), 255) as tf.Tensor4D; // [1, H, W, 3]
    const resized = resizeBicubic(scaled, target); // [1, h, w, 3]
    // The official order: scale to 0..1 first, resize, then mean/std (range 1: already scaled).
    return normalizeImage(resized, { ...IMAGENET_NORMALIZATION, range: 1 });
  });
}

/**
 * The official `infer_image`: preprocess, run, resize the depth back to the image size with
 * bilinear interpolation (align_corners=True, as the official code). `rgb` [H, W, 3] (0..255) →
 * relative depth [H, W] (larger = nearer).
 */
export function inferDepthAnythingV2(model: DepthAnythingV2, rgb: tf.Tensor3D, options: DepthAnythingV2InputOptions = {}): tf.Tensor2D {
  return tf.tidy(() => {
    const [height, width] = rgb.shape;
    const depth = model.forward(preprocessDepthAnythingV2(rgb, { multiple: model.patchSize, ...options })) as tf.Tensor4D; // [1, h, w, 1]
    const full = tf.image.resizeBilinear(depth, [height, width], true); // [1, H, W, 1]
    return tf.reshape(full, [height, width]) as tf.Tensor2D;
  });
}
