import { END, type EmitContext } from '../emit-context.js';
import type { Value } from '../graph-builder.js';
import type { Module } from '@anydepth/core';
import { type EmitArgs, type OnnxFeature, emitForward } from '../registry.js';

/** [B, N, D] → [B, H, N, hd]. */
export function splitHeads(ctx: EmitContext, t: Value, numHeads: number, headDim: number): Value {
  return ctx.g.op('Transpose', [ctx.reshape(t, [0, 0, numHeads, headDim])], { perm: [0, 2, 1, 3] });
}

/** [B, H, N, hd] → [B, N, D]. */
export function mergeHeads(ctx: EmitContext, t: Value, dim: number): Value {
  return ctx.reshape(ctx.g.op('Transpose', [t], { perm: [0, 2, 1, 3] }), [0, 0, dim]);
}

/**
 * The attention product of every ViT here, softmax((q·scale)·kᵀ)·v on [B, H, N, hd] (scaling q, as
 * core's `scaledDotProductAttention` is called). Kept apart so the attention math has one home in the graph too.
 */
export function scaledDotProduct(ctx: EmitContext, q: Value, k: Value, v: Value, scale: number): Value {
  const g = ctx.g;
  const scores = g.op('MatMul', [g.op('Mul', [q, g.scalar(scale)]), g.op('Transpose', [k], { perm: [0, 1, 3, 2] })]); // [B, H, N, N]
  return g.op('MatMul', [g.op('Softmax', [scores], { axis: -1 }), v]); // [B, H, N, hd]
}

/** Checks the tapped block indices of an encoder of `depth` blocks. */
export function checkTaps(family: string, taps: number[], depth: number): void {
  for (const i of taps) {
    if (!Number.isInteger(i) || i < 0 || i >= depth) throw new Error(`ONNX export: ${family} layer ${i} is outside 0..${depth - 1}`);
  }
}

/** Runs `blocks` on the tokens up to the last tap; returns the raw outputs of the tapped blocks. */
export function runTappedBlocks(ctx: EmitContext, blocks: { at(i: number): Module }, tokens: Value, taps: number[], args?: EmitArgs): Value[] {
  const byBlock = new Map<number, Value>();
  let x = tokens;
  for (let i = 0; i <= Math.max(...taps); i++) {
    x = emitForward(ctx, blocks.at(i), x, args);
    byBlock.set(i, x);
  }
  return taps.map((i) => byBlock.get(i)!);
}

/**
 * Tapped token sequences [B, prefix + h·w, D] (optionally through the final norm) as features:
 * patches [B, D, h, w] (h, w from the patch map [B, D, h, w]) and the class token [B, D].
 */
export function tokensToFeatures(ctx: EmitContext, outputs: Value[], finalNorm: Module | null, numPrefixTokens: number, map: Value): OnnxFeature[] {
  const g = ctx.g;
  const h = ctx.dim(map, 2);
  const w = ctx.dim(map, 3);
  return outputs.map((raw) => {
    const t = finalNorm ? emitForward(ctx, finalNorm, raw) : raw; // [B, N, D]
    const cls = g.op('Gather', [t, g.intScalar(0)], { axis: 1 }); // [B, D]
    const tokens = ctx.slice(t, 1, numPrefixTokens, END); // [B, hw, D]
    const patches = ctx.reshape(g.op('Transpose', [tokens], { perm: [0, 2, 1] }), [0, 0, h, w]); // [B, D, h, w]
    return { patches, cls: () => cls };
  });
}

/** A patch map [B, D, h, w] as row-major tokens [B, h·w, D]. */
export function mapToSequence(ctx: EmitContext, map: Value): Value {
  return ctx.g.op('Transpose', [ctx.reshape(map, [0, 0, -1])], { perm: [0, 2, 1] });
}
