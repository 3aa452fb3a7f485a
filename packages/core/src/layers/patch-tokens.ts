import * as tf from '@tensorflow/tfjs-core';
import type { Conv2d } from './conv2d.js';

/**
 * A ViT patch embedding: the p×p / stride-p convolution `conv` (HWIO [p, p, C, D]) of an NHWC image whose
 * sides are multiples of p, as row-major tokens [B, h·w, D]. A stride-p p×p convolution is one matMul over
 * non-overlapping patches, each gathered in the (kh, kw, c) order of the HWIO filter. Shared by DINOv2's
 * `PatchEmbed` and DINOv3's `PatchEmbeddings` (the callers validate the image).
 */
export function patchTokens(image: tf.Tensor4D, conv: Conv2d, patchSize: number): tf.Tensor3D {
  return tf.tidy(() => {
    const [b, hIn, wIn, c] = image.shape;
    const p = patchSize;
    const h = hIn / p;
    const w = wIn / p;
    const d = conv.outChannels;
    const patches = tf.reshape(
      tf.transpose(tf.reshape(image, [b, h, p, w, p, c]), [0, 1, 3, 2, 4, 5]), // [B, h, w, p, p, C]
      [b * h * w, p * p * c],
    );
    const filter = tf.reshape(conv.weight, [p * p * c, d]); // [p·p·C, D]
    let x = tf.matMul(patches, filter); // [B·h·w, D]
    if (conv.bias) x = tf.add(x, conv.bias);
    return tf.reshape(x, [b, h * w, d]) as tf.Tensor3D; // [B, h·w, D]
  });
}
