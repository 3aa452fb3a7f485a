import * as tf from '@tensorflow/tfjs-core';
import { Layer, Module } from '../module.js';

/** Runs layers in order; children are named `0`, `1`, … as in PyTorch's `nn.Sequential`. */
export class Sequential extends Layer {
  readonly layers: Layer[];

  constructor(...layers: Layer[]) {
    super();
    this.layers = layers;
    layers.forEach((layer, i) => this.addModule(String(i), layer));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.layers.reduce((y, layer) => layer.forward(y), x));
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
