import * as tf from '@tensorflow/tfjs-core';
import { Layer } from '../module.js';

/** Exact GELU, `0.5·x·(1 + erf(x/√2))`, as PyTorch's `nn.GELU()` (not the tanh approximation). */
export function gelu(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1)));
}

export class GELU extends Layer {
  forward(x: tf.Tensor): tf.Tensor {
    return gelu(x);
  }
}

export class ReLU extends Layer {
  forward(x: tf.Tensor): tf.Tensor {
    return tf.relu(x);
  }
}

export class Identity extends Layer {
  forward(x: tf.Tensor): tf.Tensor {
    return x;
  }
}

/** SiLU (swish), `x·sigmoid(x)`, used by SwiGLU feed-forward blocks. */
export function silu(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(x, tf.sigmoid(x)));
}
