import { GeluMlp, type Rng } from '@anydepth/core';

/**
 * The plain feed-forward block of ViT-S/B/L: `down_proj(GELU(up_proj(x)))` with the exact erf GELU.
 * HF names `up_proj` (hidden, D) and `down_proj` (D, hidden); torch hub `fc1` / `fc2`.
 */
export class Mlp extends GeluMlp {
  constructor(dim: number, hiddenDim: number, rng?: Rng) {
    super(dim, hiddenDim, { up: 'up_proj', down: 'down_proj' }, rng);
  }
}
