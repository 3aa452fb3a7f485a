import { GeluMlp, type Rng } from '@anydepth/core';

/** DINOv2 `Mlp`: `fc2(GELU(fc1(x)))` with the exact erf GELU. Names `fc1` [hidden, D], `fc2` [D, hidden]. */
export class Mlp extends GeluMlp {
  constructor(dim: number, hiddenDim: number, rng?: Rng) {
    super(dim, hiddenDim, { up: 'fc1', down: 'fc2' }, rng);
  }
}
