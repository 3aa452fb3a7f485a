import * as tf from '@tensorflow/tfjs-core';
import { GELU, Linear, Sequential } from '@anydepth/core';

/** `Sequential(Linear(2D → D, bias), GELU)`: the DPT-style class-token readout (`readout_projects.{i}`). */
export function readoutProject(width: number): Sequential {
  return new Sequential(new Linear(2 * width, width), new GELU());
}

/** `Sequential(Linear(D → C, no bias), GELU)`: the per-layer projection to the fusion width (`projections.{i}`). */
export function fusionProjection(width: number, fusionChannels: number): Sequential {
  return new Sequential(new Linear(width, fusionChannels, { bias: false }), new GELU());
}

/**
 * One layer's tokens on their way into the fusion: readout `GELU(W_r [t ‖ cls] + b)` (patch first,
 * class token second) when a class token and a readout are given, then `GELU(W_p · )`.
 * patches [B, h, w, D], cls [B, D] → [B, h, w, C].
 */
export function readoutAndProject(patches: tf.Tensor, cls: tf.Tensor | undefined, readout: Sequential | null, projection: Sequential): tf.Tensor {
  return tf.tidy(() => {
    let x = patches; // [B, h, w, D]
    if (cls && readout) {
      const [b, h, w, d] = x.shape;
      const broadcast = tf.broadcastTo(tf.reshape(cls, [b, 1, 1, d]), [b, h, w, d]); // [B, h, w, D]
      x = readout.forward(tf.concat([x, broadcast], 3)); // [B, h, w, 2D] -> [B, h, w, D]
    }
    return projection.forward(x); // [B, h, w, C]
  });
}
