import * as tf from '@tensorflow/tfjs-core';
import { BatchNorm2d, Conv2d, Layer, ReLU, Sequential } from '@anydepth/core';
import { DySample } from '@anydepth/dysample';

export interface UpsamplerOptions {
  /** DySample channel groups (official 4). */
  groups?: number;
  /** DySample+ dynamic scope (official true; needed for the paper's parameter counts). */
  dyscope?: boolean;
  style?: 'lp' | 'pl';
}

/**
 * One learned ×2 step B(X) = ReLU(BN(Conv3×3(DySample×2(X)))) (paper Eqs. 3–4); the conv has no bias.
 * Children `0` (DySample), `1` (conv), `2` (BN), `3` (ReLU), as the official `Sequential`.
 */
export function upsampleBlock(channels: number, options: UpsamplerOptions = {}): Sequential {
  return new Sequential(
    new DySample({ inChannels: channels, scale: 2, style: options.style ?? 'lp', groups: options.groups ?? 4, dyscope: options.dyscope ?? true }),
    new Conv2d(channels, channels, 3, { padding: 1, bias: false }),
    new BatchNorm2d(channels),
    new ReLU(),
  );
}

/**
 * R(X) = ReLU(BN(Conv3×3(X))) (paper Eq. 6; `refinement_{1,2}`): the conv has a bias
 * (its gradient is exactly zero under train-mode BN, as in the official code).
 */
export function refinementBlock(channels: number): Sequential {
  return new Sequential(new Conv2d(channels, channels, 3, { padding: 1 }), new BatchNorm2d(channels), new ReLU());
}

/**
 * `DySampleUpsamplerWrapper` (paper Eq. 5, S = B∘B): two learned ×2 steps, ×4 in all.
 * State-dict names `dysample1.{0,1,2}.*`, `dysample2.{0,1,2}.*`.
 */
export class DySampleUpsampler extends Layer {
  readonly dysample1: Sequential;
  readonly dysample2: Sequential;

  constructor(
    readonly channels: number,
    options: UpsamplerOptions = {},
  ) {
    super();
    this.dysample1 = this.addModule('dysample1', upsampleBlock(channels, options));
    this.dysample2 = this.addModule('dysample2', upsampleBlock(channels, options));
  }

  /** [B, H, W, C] → [B, 4H, 4W, C]. */
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.dysample2.forward(this.dysample1.forward(x)));
  }
}
