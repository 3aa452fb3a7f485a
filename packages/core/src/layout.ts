import * as tf from '@tensorflow/tfjs-core';

/**
 * How a parameter is laid out in PyTorch versus here. Conversion happens once, at load and save
 * time, so the forward pass works in tfjs' native layouts (NHWC activations, HWIO filters).
 *
 * | layout          | PyTorch            | tfjs                |
 * |-----------------|--------------------|---------------------|
 * | none            | any                | same                |
 * | linear          | [out, in]          | [in, out]           |
 * | conv2d          | [O, I/g, kh, kw]   | [kh, kw, I/g, O]    |
 * | depthwise       | [C·M, 1, kh, kw]   | [kh, kw, C, M]      |
 * | convTranspose2d | [I, O, kh, kw]     | [kh, kw, O, I]      |
 */
export type ParamLayout = 'none' | 'linear' | 'conv2d' | 'depthwise' | 'convTranspose2d';

/** The PyTorch shape of a tensor stored here with the given tfjs shape. */
export function torchShape(layout: ParamLayout, shape: readonly number[]): number[] {
  switch (layout) {
    case 'none':
      return [...shape];
    case 'linear':
      return [shape[1], shape[0]];
    case 'conv2d':
    case 'convTranspose2d':
      return [shape[3], shape[2], shape[0], shape[1]];
    case 'depthwise':
      return [shape[2] * shape[3], 1, shape[0], shape[1]];
  }
}

/** Converts a tensor in PyTorch layout to the layout used here; returns a new tensor. */
export function fromTorchLayout(layout: ParamLayout, t: tf.Tensor, tfShape: readonly number[]): tf.Tensor {
  return tf.tidy(() => {
    switch (layout) {
      case 'none':
        return tf.reshape(t, [...tfShape]);
      case 'linear':
        return tf.transpose(t, [1, 0]);
      case 'conv2d':
      case 'convTranspose2d':
        return tf.transpose(t, [2, 3, 1, 0]);
      case 'depthwise':
        return tf.reshape(tf.transpose(t, [2, 3, 0, 1]), [...tfShape]);
    }
  });
}

/** Converts a tensor stored here to PyTorch layout; returns a new tensor. */
export function toTorchLayout(layout: ParamLayout, t: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    switch (layout) {
      case 'none':
        return tf.clone(t);
      case 'linear':
        return tf.transpose(t, [1, 0]);
      case 'conv2d':
      case 'convTranspose2d':
        return tf.transpose(t, [3, 2, 0, 1]);
      case 'depthwise': {
        const [kh, kw, c, m] = t.shape;
        return tf.transpose(tf.reshape(t, [kh, kw, c * m, 1]), [2, 3, 0, 1]);
      }
    }
  });
}
