import * as tf from '@tensorflow/tfjs-core';
import type { Module } from '@anydepth/core';
import type { GraphBuilder, Value } from './graph-builder.js';

/**
 * What an emitter works with: the graph being built, the state-dict name of every module of the
 * exported model, and small helpers for weights and run-time shapes.
 *
 * Layout convention inside the graph (PyTorch's): feature maps are NCHW, token sequences are
 * [B, N, D], and every weight is the PyTorch-layout tensor under its state-dict name.
 */
export class EmitContext {
  private readonly paths = new Map<Module, string>();
  private readonly shapes = new Map<Value, Value>();
  /** Own PyTorch-layout tensors of modules already read (one `stateDict()` per module). */
  private readonly weights = new Map<Module, Map<string, { shape: number[]; data: Float32Array } | string>>();

  constructor(
    readonly g: GraphBuilder,
    readonly root: Module,
  ) {
    for (const [name, m] of root.namedModules()) this.paths.set(m, name);
  }

  /** The dotted state-dict path of a module of the exported model (`''` for the root). */
  pathOf(module: Module): string {
    const p = this.paths.get(module);
    if (p === undefined) throw new Error(`ONNX export: a ${module.constructor.name} is used in forward but is not a registered child of the exported model`);
    return p;
  }

  /** Runs `body` with node names scoped under the module's path. */
  scoped<T>(module: Module, body: () => T): T {
    return this.g.withScope(this.pathOf(module) || 'model', body);
  }

  /**
   * The PyTorch-layout weight `name` of `module` (e.g. `'weight'`) as an initializer named by its
   * full state-dict name. The module's `stateDict()` does the tfjs → torch layout conversion.
   */
  weight(module: Module, name: string): Value {
    const prefix = this.pathOf(module);
    const full = prefix ? `${prefix}.${name}` : name;
    if (this.g.hasInitializer(full)) return full;
    const t = this.ownWeights(module).get(name);
    if (t === undefined) throw new Error(`ONNX export: ${module.constructor.name} at '${prefix}' has no state-dict entry '${name}'`);
    if (typeof t === 'string') throw new Error(`ONNX export: weight '${full}' is ${t}; only float32 weights are exported`);
    return this.g.initializer(full, t.shape, t.data);
  }

  private ownWeights(module: Module): Map<string, { shape: number[]; data: Float32Array } | string> {
    let own = this.weights.get(module);
    if (own) return own;
    own = new Map();
    const state = module.stateDict();
    try {
      for (const [name, t] of Object.entries(state)) {
        if (name.includes('.')) continue; // a child's tensor: read when that child asks
        own.set(name, t.dtype === 'float32' ? { shape: [...t.shape], data: t.dataSync() as Float32Array } : t.dtype);
      }
    } finally {
      tf.dispose(Object.values(state));
    }
    this.weights.set(module, own);
    return own;
  }

  /** `Shape(x)` (one node per value). */
  shape(x: Value): Value {
    let s = this.shapes.get(x);
    if (!s) {
      s = this.g.op('Shape', [x]);
      this.shapes.set(x, s);
    }
    return s;
  }

  /** Dimension `axis` of `x` as a 1-D int64 [1] tensor. */
  dim(x: Value, axis: number): Value {
    return this.g.op('Gather', [this.shape(x), this.g.ints([axis])], { axis: 0 });
  }

  /** A 1-D int64 shape built from run-time dims (1-D [1] values) and fixed numbers. */
  shapeOf(parts: Array<Value | number>): Value {
    if (parts.every((p) => typeof p === 'number')) return this.g.ints(parts as number[]);
    return this.g.op(
      'Concat',
      parts.map((p) => (typeof p === 'number' ? this.g.ints([p]) : p)),
      { axis: 0 },
    );
  }

  reshape(x: Value, parts: Array<Value | number>): Value {
    return this.g.op('Reshape', [x, this.shapeOf(parts)]);
  }

  /** int64 dims arithmetic. */
  mulDims(a: Value, b: Value | number): Value {
    return this.g.op('Mul', [a, typeof b === 'number' ? this.g.ints([b]) : b]);
  }

  /** A run-time int64 dim as a float32 scalar-shaped [1] value. */
  dimAsFloat(d: Value): Value {
    return this.g.op('Cast', [d], { to: 1 });
  }

  /** Slice along one axis with fixed bounds (`end` may be a large number for "to the end"). */
  slice(x: Value, axis: number, start: number, end: number): Value {
    return this.g.op('Slice', [x, this.g.ints([start]), this.g.ints([end]), this.g.ints([axis])]);
  }
}

/** "to the end" for Slice. */
export const END = Number.MAX_SAFE_INTEGER;
