import * as tf from '@tensorflow/tfjs-core';

export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

/** How pixel values become network values: `(value / range − mean) / std` per RGB channel. */
export interface Normalization {
  /** Per-channel mean, after dividing by `range`. */
  mean: readonly [number, number, number];
  /** Per-channel standard deviation, after dividing by `range`. */
  std: readonly [number, number, number];
  /** The value range of the input pixels (255: 8-bit RGB). */
  range: number;
}

/** ImageNet statistics on 8-bit RGB: every model this project builds uses them. */
export const IMAGENET_NORMALIZATION: Readonly<Normalization> = { mean: IMAGENET_MEAN, std: IMAGENET_STD, range: 255 };

/** How an image is sized and resampled for a network. */
export interface InputSpec {
  /**
   * `longer-side`: the longer side is scaled to `size`, each side rounded to the nearest multiple (AnyDepth);
   * `lower-bound`: both sides reach at least `size`, rounded half-to-even to multiples (Depth Anything V2's `Resize`).
   */
  sizeRule: 'longer-side' | 'lower-bound';
  /** The default inference size in pixels. */
  size: number;
  /** Each side becomes a multiple of this (the patch size). */
  multiple: number;
  /** `area-bilinear`: integer block averaging then bilinear (half-pixel centres); `bicubic`: OpenCV INTER_CUBIC. */
  resample: 'area-bilinear' | 'bicubic';
}

/** AnyDepth's input: longer side 768 (the paper's training resolution), multiples of 16, area + bilinear. */
export const ANYDEPTH_INPUT: Readonly<InputSpec> = { sizeRule: 'longer-side', size: 768, multiple: 16, resample: 'area-bilinear' };

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
  const multiple = options.multiple ?? ANYDEPTH_INPUT.multiple;
  const size = options.size === undefined ? ANYDEPTH_INPUT.size : options.size;
  const scale = size === null ? 1 : size / Math.max(width, height);
  const round = (v: number) => Math.max(multiple, Math.round((v * scale) / multiple) * multiple);
  return { width: round(width), height: round(height) };
}

/**
 * Resizes an RGB image [H, W, 3] or [B, H, W, 3] (any value range) to `target` as every AnyDepth path
 * does (inference, evaluation, training data): strong downscaling first averages integer blocks so
 * that bilinear sampling does not alias, then bilinear with half-pixel centres. Values are not
 * rounded. Returns float32 [B, h, w, 3] (B = 1 for a 3-D input).
 */
export function resizeForNetwork(rgb: tf.Tensor3D | tf.Tensor4D, target: { width: number; height: number }): tf.Tensor4D {
  return tf.tidy(() => {
    let x = tf.cast(rgb.rank === 3 ? tf.expandDims(rgb, 0) : rgb, 'float32') as tf.Tensor4D; // [B, H, W, 3]
    const [, h, w] = x.shape;
    const factor = Math.floor(Math.min(h / target.height, w / target.width));
    if (factor >= 2) x = tf.avgPool(x, factor, factor, 'valid'); // [B, H/f, W/f, 3]
    if (x.shape[1] !== target.height || x.shape[2] !== target.width) {
      x = tf.image.resizeBilinear(x, [target.height, target.width], false, true); // [B, h, w, 3]
    }
    return x;
  });
}

/** `(x / range − mean) / std` per channel of an NHWC image [B, H, W, 3] → float32 [B, H, W, 3]. */
export function normalizeImage(x: tf.Tensor4D, normalization: Normalization = IMAGENET_NORMALIZATION): tf.Tensor4D {
  if (x.rank !== 4 || x.shape[3] !== 3) throw new Error(`normalizeImage: expected an RGB image batch [B, H, W, 3], got [${x.shape}]`);
  return tf.tidy(() => {
    const scaled = tf.div(tf.cast(x, 'float32'), normalization.range); // [B, H, W, 3] in 0..1
    return tf.div(tf.sub(scaled, tf.tensor1d([...normalization.mean])), tf.tensor1d([...normalization.std])) as tf.Tensor4D;
  });
}

/**
 * The AnyDepth network input of an RGB image [H, W, 3] (0..255): `resizeForNetwork` to `target`,
 * then ImageNet normalisation, returning [1, h, w, 3]. Inference (`predict`), evaluation
 * (`anydepth eval`) and training data (`datasetSource` + `makeBatch` in `@anydepth/train`) all go
 * through these two steps, so a model sees the same pixels in training and at test time.
 */
export function preprocessImage(rgb: tf.Tensor3D, target: { width: number; height: number }): tf.Tensor4D {
  return tf.tidy(() => normalizeImage(resizeForNetwork(rgb, target)));
}
