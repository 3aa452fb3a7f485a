import * as tf from '@tensorflow/tfjs-core';
import { Layer, Module } from '../module.js';
import { convBnAct, fusedRun } from './conv-bn-act.js';
import type { Conv2d } from './conv2d.js';

/** Runs layers in order; children are named `0`, `1`, … as in PyTorch's `nn.Sequential`. */
export class Sequential extends Layer {
  readonly layers: Layer[];

  constructor(...layers: Layer[]) {
    super();
    this.layers = layers;
    layers.forEach((layer, i) => this.addModule(String(i), layer));
  }

  /**
   * In eval mode, each Conv2d → BatchNorm2d → ReLU run (any prefix of it) executes as one fused
   * convolution with the BatchNorm folded in (`convBnAct`); results equal the layer-by-layer ones up to
   * float rounding.
   */
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      let y = x;
      for (let i = 0; i < this.layers.length; ) {
        const run = this.training ? null : fusedRun(this.layers, i);
        if (run && run.length > 0) {
          y = convBnAct(this.layers[i] as Conv2d, run.bn, run.activation, y);
          i += run.length;
        } else {
          y = this.layers[i].forward(y);
          i++;
        }
      }
      return y;
    });
  }
}

/** A list of modules registered as `0`, `1`, …, like `nn.ModuleList`. */
export class ModuleList<M extends Module> extends Module {
  readonly items: M[];

  constructor(items: M[]) {
    super();
    this.items = items;
    items.forEach((m, i) => this.addModule(String(i), m));
  }

  get length(): number {
    return this.items.length;
  }

  at(i: number): M {
    return this.items[i];
  }
}
