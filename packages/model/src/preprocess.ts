import * as tf from '@tensorflow/tfjs-core';

export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

export interface InputSizeOptions {
  /** Longer side after resizing (default 768, the paper's training resolution). `null` keeps the size. */
  size?: number | null;
  /** Each side is rounded to a multiple of this (default 16, the patch size). */
  multiple?: number;
}

/**
 * The network input size for an image: the longer side scaled to `size`, aspect kept, each side
 * rounded to the nearest multiple of 16 (at least one multiple).
 */
export function networkInputSize(width: number, height: number, options: InputSizeOptions = {}): { width: number; height: number } {
  const multiple = options.multiple ?? 16;
  const size = options.size === undefined ? 768 : options.size;
  const scale = size === null ? 1 : size / Math.max(width, height);
  const round = (v: number) => Math.max(multiple, Math.round((v * scale) / multiple) * multiple);
  return { width: round(width), height: round(height) };
}

/**
 * Resizes an RGB image [H, W, 3] (0..255) to the network size and applies ImageNet normalisation,
 * returning [1, h, w, 3]. Strong downscaling first averages integer blocks so that bilinear
 * sampling does not alias.
 */
export function preprocessImage(rgb: tf.Tensor3D, target: { width: number; height: number }): tf.Tensor4D {
  return tf.tidy(() => {
    let x = tf.expandDims(rgb, 0) as tf.Tensor4D; // [1, H, W, 3]
    const [, h, w] = x.shape;
    const factor = Math.floor(Math.min(h / target.height, w / target.width));
    if (factor >= 2) x = tf.avgPool(x, factor, factor, 'valid');
    if (x.shape[1] !== target.height || x.shape[2] !== target.width) {
      x = tf.image.resizeBilinear(x, [target.height, target.width], false, true);
    }
    const scaled = tf.div(x, 255);
    return tf.div(tf.sub(scaled, tf.tensor1d(IMAGENET_MEAN as unknown as number[])), tf.tensor1d(IMAGENET_STD as unknown as number[])) as tf.Tensor4D;
  });
}
