import { Attention, DinoVisionTransformer, PatchEmbeddings, SwiGLU, headDim, ropePeriods } from '@anydepth/dinov3';
import { END, type EmitContext } from '../emit-context.js';
import type { Value } from '../graph-builder.js';
import { type EmitArgs, type OnnxFeature, emitForward, registerEmitter } from '../registry.js';
import { linear, silu } from './core.js';
import { checkTaps, mapToSequence, mergeHeads, runTappedBlocks, scaledDotProduct, splitHeads, tokensToFeatures } from './vit.js';

/** Patch convolution of an NCHW image: the patch map [B, D, h, w]. */
function patchMap(ctx: EmitContext, m: PatchEmbeddings, image: Value): Value {
  return emitForward(ctx, m.patchEmbeddings, image);
}

/** [cls, registers…, patches] tokens [B, 1 + R + h·w, D] from a patch map [B, D, h, w]. */
function tokenSequence(ctx: EmitContext, m: PatchEmbeddings, map: Value): Value {
  const g = ctx.g;
  const patches = mapToSequence(ctx, map); // [B, hw, D]
  const b = ctx.dim(map, 0);
  const d = m.embedDim;
  const parts = [g.op('Expand', [ctx.weight(m, 'cls_token'), ctx.shapeOf([b, 1, d])])]; // [B, 1, D]
  if (m.numRegisterTokens > 0) parts.push(g.op('Expand', [ctx.weight(m, 'register_tokens'), ctx.shapeOf([b, m.numRegisterTokens, d])])); // [B, R, D]
  parts.push(patches);
  return g.op('Concat', parts, { axis: 1 }); // [B, N, D]
}

/**
 * DINOv3's axial RoPE tables for the run-time h×w grid, computed in the graph from the patch map's
 * shape (so height and width can be dynamic): coords c = 2(i + 0.5)/h − 1, angles 2π·c/period,
 * rows [y, x, y, x], then `prefix` rows of cos = 1, sin = 0 for the cls and register tokens.
 */
function ropeTables(ctx: EmitContext, vit: DinoVisionTransformer, map: Value): { sin: Value; cos: Value } {
  const g = ctx.g;
  const c = vit.config;
  const hd = headDim(c);
  const q = hd / 4;
  const invPeriods = Array.from(ropePeriods(hd, c.ropeBase), (p) => (2 * Math.PI) / p);
  const freqs = g.constant('float32', [1, q], invPeriods); // [1, q]
  const axisAngles = (axis: number): Value => {
    const n = g.op('Gather', [ctx.shape(map), g.intScalar(axis)], { axis: 0 }); // scalar
    const idx = g.op('Cast', [g.op('Range', [g.intScalar(0), n, g.intScalar(1)])], { to: 1 }); // [n]
    const nf = g.op('Cast', [n], { to: 1 });
    const coords = g.op('Sub', [g.op('Div', [g.op('Mul', [g.op('Add', [idx, g.scalar(0.5)]), g.scalar(2)]), nf]), g.scalar(1)]); // [n]
    return g.op('Mul', [g.op('Unsqueeze', [coords, g.ints([1])]), freqs]); // [n, q]
  };
  const ay = axisAngles(2);
  const ax = axisAngles(3);
  const h = ctx.dim(map, 2);
  const w = ctx.dim(map, 3);
  const grid = ctx.shapeOf([h, w, q]);
  const table = (fn: 'Sin' | 'Cos'): Value => {
    const y = g.op('Expand', [g.op('Unsqueeze', [g.op(fn, [ay]), g.ints([1])]), grid]); // [h, w, q]
    const x = g.op('Expand', [g.op('Unsqueeze', [g.op(fn, [ax]), g.ints([0])]), grid]); // [h, w, q]
    const rows = ctx.reshape(g.op('Concat', [y, x, y, x], { axis: 2 }), [-1, hd]); // [hw, hd]
    const prefix = vit.numPrefixTokens;
    const head = g.constant('float32', [prefix, hd], new Float32Array(prefix * hd).fill(fn === 'Cos' ? 1 : 0));
    return g.op('Concat', [head, rows], { axis: 0 }); // [N, hd]
  };
  return { sin: table('Sin'), cos: table('Cos') };
}

/** rope(x) = x·cos + rotate_half(x)·sin, rotate_half([a, b]) = [−b, a]; x [B, H, N, hd]. */
function applyRope(ctx: EmitContext, x: Value, hd: number, rope: { sin: Value; cos: Value }): Value {
  const g = ctx.g;
  const a = ctx.slice(x, 3, 0, hd / 2);
  const b = ctx.slice(x, 3, hd / 2, END);
  const rotated = g.op('Concat', [g.op('Neg', [b]), a], { axis: 3 });
  return g.op('Add', [g.op('Mul', [x, rope.cos]), g.op('Mul', [rotated, rope.sin])]);
}

function attention(ctx: EmitContext, m: Attention, x: Value, args?: EmitArgs): Value {
  let q = splitHeads(ctx, linear(ctx, m.qProj, x), m.numHeads, m.headDim); // [B, H, N, hd]
  let k = splitHeads(ctx, linear(ctx, m.kProj, x), m.numHeads, m.headDim);
  const v = splitHeads(ctx, linear(ctx, m.vProj, x), m.numHeads, m.headDim);
  if (args?.rope) {
    q = applyRope(ctx, q, m.headDim, args.rope);
    k = applyRope(ctx, k, m.headDim, args.rope);
  }
  const out = scaledDotProduct(ctx, q, k, v, m.scale); // [B, H, N, hd]
  return linear(ctx, m.oProj, mergeHeads(ctx, out, m.dim)); // [B, N, D]
}

/** Runs the blocks up to the last tap; returns the raw outputs of the tapped blocks and the patch map. */
function runBlocks(ctx: EmitContext, vit: DinoVisionTransformer, image: Value, taps: number[]): { outputs: Value[]; map: Value } {
  checkTaps('DINOv3', taps, vit.config.depth);
  const map = patchMap(ctx, vit.embeddings, image); // [B, D, h, w]
  const rope = ropeTables(ctx, vit, map);
  const x = ctx.g.withScope(ctx.pathOf(vit.embeddings), () => tokenSequence(ctx, vit.embeddings, map)); // [B, N, D]
  return { outputs: runTappedBlocks(ctx, vit.layer, x, taps, { rope }), map };
}

function features(ctx: EmitContext, vit: DinoVisionTransformer, image: Value, args: { layers: number[]; norm: boolean }): OnnxFeature[] {
  const { outputs, map } = runBlocks(ctx, vit, image, args.layers);
  return tokensToFeatures(ctx, outputs, args.norm ? vit.norm : null, vit.numPrefixTokens, map);
}

/** Registers the emitters of @anydepth/dinov3's modules. */
export function registerDinov3Emitters(): void {
  registerEmitter(SwiGLU, {
    forward: (ctx, m, x) => linear(ctx, m.downProj, ctx.g.op('Mul', [silu(ctx, linear(ctx, m.gateProj, x)), linear(ctx, m.upProj, x)])),
  });
  registerEmitter(Attention, { forward: attention });
  registerEmitter(PatchEmbeddings, { forward: (ctx, m, image) => tokenSequence(ctx, m, patchMap(ctx, m, image)) });
  registerEmitter(DinoVisionTransformer, {
    features,
    /** The final tokens after the last block and the final norm, [B, N, D] (HF `last_hidden_state`). */
    forward: (ctx, vit, image) => emitForward(ctx, vit.norm, runBlocks(ctx, vit, image, [vit.config.depth - 1]).outputs[0]),
  });
}
