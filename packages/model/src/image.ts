import * as tf from '@tensorflow/tfjs-core';

/** Decoded pixels in memory: RGB or RGBA, row-major, 8 bits per channel. */
export interface RawImage {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
  channels: 3 | 4;
}

/** Browser image sources `tf.browser.fromPixels` understands. */
export type BrowserImage = ImageData | ImageBitmap | HTMLImageElement | HTMLCanvasElement | HTMLVideoElement | OffscreenCanvas;

/** Everything `predict` accepts, in any environment (Node adds file paths and encoded buffers). */
export type ImageInput = RawImage | BrowserImage | tf.Tensor;

export function isRawImage(x: unknown): x is RawImage {
  const r = x as RawImage;
  return !!r && typeof r === 'object' && 'data' in r && typeof r.width === 'number' && typeof r.height === 'number' && (r.channels === 3 || r.channels === 4);
}

function isImageDataLike(x: unknown): x is { data: Uint8ClampedArray; width: number; height: number } {
  const r = x as ImageData;
  return !!r && typeof r === 'object' && r.data instanceof Uint8ClampedArray && typeof r.width === 'number' && !('channels' in r);
}

/**
 * Converts an image to an int32/float RGB tensor [H, W, 3] with values in 0..255. A tensor input
 * may be [H,W,3], [H,W,4] or [1,H,W,3]; its values are taken as 0..255.
 */
export function imageToTensor(image: ImageInput): tf.Tensor3D {
  if (image instanceof tf.Tensor) {
    return tf.tidy(() => {
      let t = image;
      if (t.rank === 4) {
        if (t.shape[0] !== 1) throw new Error(`predict: a 4-D tensor must have batch 1, got [${t.shape}]; use predictBatch`);
        t = tf.squeeze(t, [0]);
      }
      if (t.rank !== 3 || (t.shape[2] !== 3 && t.shape[2] !== 4)) throw new Error(`predict: expected an image tensor [H,W,3|4], got [${image.shape}]`);
      if (t.shape[2] === 4) t = tf.slice(t, [0, 0, 0], [t.shape[0] as number, t.shape[1] as number, 3]);
      return tf.cast(t, 'float32') as tf.Tensor3D;
    });
  }
  if (isRawImage(image)) {
    const { width, height, channels, data } = image;
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) throw new Error(`predict: invalid image size ${width}×${height}`);
    if (data.length !== width * height * channels) throw new Error(`predict: image data has ${data.length} bytes, expected ${width}×${height}×${channels}`);
    return tf.tidy(() => {
      const t = tf.tensor3d(Int32Array.from(data), [height, width, channels], 'int32');
      return tf.cast(channels === 4 ? tf.slice(t, [0, 0, 0], [height, width, 3]) : t, 'float32') as tf.Tensor3D;
    });
  }
  if (isImageDataLike(image)) return imageToTensor({ data: image.data, width: image.width, height: image.height, channels: 4 });
  // HTMLImageElement, canvas, ImageBitmap, video: tfjs reads the pixels through a canvas.
  return tf.tidy(() => tf.cast(tf.browser.fromPixels(image as HTMLCanvasElement, 3), 'float32') as tf.Tensor3D);
}
