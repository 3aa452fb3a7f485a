import * as tf from '@tensorflow/tfjs-core';
import { Layer, Linear, type Rng, silu } from '@anydepth/core';

/**
 * SwiGLU feed-forward block of the "plus" models: `down_proj(SiLU(gate_proj(x)) · up_proj(x))`.
 * HF names `gate_proj`, `up_proj` (hidden, D), `down_proj` (D, hidden); torch hub `w1`, `w2`, `w3`.
 */
export class SwiGLU extends Layer {
  readonly gateProj: Linear;
  readonly upProj: Linear;
  readonly downProj: Linear;

  constructor(dim: number, hiddenDim: number, rng?: Rng) {
    super();
    this.gateProj = this.addModule('gate_proj', new Linear(dim, hiddenDim, { rng }));
    this.upProj = this.addModule('up_proj', new Linear(dim, hiddenDim, { rng }));
    this.downProj = this.addModule('down_proj', new Linear(hiddenDim, dim, { rng }));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const hidden = tf.mul(silu(this.gateProj.forward(x)), this.upProj.forward(x)); // [B, N, hidden]
      return this.downProj.forward(hidden); // [B, N, D]
    });
  }
}
