import { Attention as Dinov2Attention, Dinov2VisionTransformer, PatchEmbed, SwiGLUFused, posEmbedAxisSpec, resampleWeights } from '@anydepth/dinov2';
import { END, type EmitContext } from '../emit-context.js';
import type { Value } from '../graph-builder.js';
import { type OnnxFeature, emitForward, registerEmitter } from '../registry.js';
import { linear, silu } from './core.js';
import { checkTaps, mapToSequence, mergeHeads, runTappedBlocks, scaledDotProduct, tokensToFeatures } from './vit.js';

/** The fixed patch grid of an image value when the graph input has static H and W, else null. */
function staticGrid(ctx: EmitContext, image: Value, patch: number): [number, number] | null {
  const dims = ctx.g.inputs.find((i) => i.name === image)?.dims;
  const [h, w] = [dims?.[2], dims?.[3]];
  return typeof h === 'number' && typeof w === 'number' ? [Math.floor(h / patch), Math.floor(w / patch)] : null;
}

/**
 * DINOv2's `interpolate_pos_encoding` in the graph: cls entry unchanged, the learned M×M grid resized
 * bicubically to the h×w patch grid (returned as is when h = w = M, the official shortcut).
 * - Static grid: the same two resampling matrices as the tfjs model (PyTorch's float32 kernel, plain
 *   or antialiased), as constants — exact.
 * - Run-time grid: one `Resize` (cubic, A = −0.75, half_pixel, border taps clamped = PyTorch's
 *   align_corners=False bicubic), with scales (h + offset)/M like `scale_factor` (or the output size
 *   when offset is 0), and scale 1 (the identity) at h = w = M. Antialiased resizing (-reg models) is
 *   only exported with a static grid.
 * Returns [1, 1 + h·w, D].
 */
function positionEmbedding(ctx: EmitContext, vit: Dinov2VisionTransformer, map: Value, grid: [number, number] | null): Value {
  const g = ctx.g;
  const c = vit.config;
  const m = c.posEmbedGrid;
  const d = c.embedDim;
  const table = ctx.weight(vit, 'pos_embed'); // [1, 1 + M², D]
  if (grid && grid[0] === m && grid[1] === m) return table;
  const cls = ctx.slice(table, 1, 0, 1); // [1, 1, D]
  const patches = ctx.slice(table, 1, 1, END); // [1, M², D]
  const resize = { offset: c.interpolateOffset, antialias: c.interpolateAntialias };
  if (grid) {
    const [h, w] = grid;
    const rows = g.constant('float32', [h, m], Float32Array.from(resampleWeights(posEmbedAxisSpec(m, h, resize)))); // [h, M]
    const cols = g.constant('float32', [w, m], Float32Array.from(resampleWeights(posEmbedAxisSpec(m, w, resize)))); // [w, M]
    const byRows = ctx.reshape(g.op('MatMul', [rows, ctx.reshape(patches, [m, m * d])]), [h, m, d]); // [h, M, D]
    const resized = g.op('MatMul', [g.op('Unsqueeze', [cols, g.ints([0])]), byRows]); // [h, w, D]
    return g.op('Concat', [cls, ctx.reshape(resized, [1, h * w, d])], { axis: 1 }); // [1, 1 + hw, D]
  }
  if (c.interpolateAntialias) {
    throw new Error(
      `ONNX export: ${ctx.pathOf(vit) || 'the DINOv2 encoder'} resizes its position grid with antialiasing (a -reg model); ` +
        'export it with a static height and width (inputShape [B, C, H, W], no dynamicAxes height/width)',
    );
  }
  const image = g.op('Transpose', [ctx.reshape(patches, [1, m, m, d])], { perm: [0, 3, 1, 2] }); // [1, D, M, M]
  const h = ctx.dim(map, 2);
  const w = ctx.dim(map, 3);
  const hw = g.op('Concat', [h, w], { axis: 0 }); // [2] int64
  const cubic = { mode: 'cubic', cubic_coeff_a: -0.75, coordinate_transformation_mode: 'half_pixel', exclude_outside: 0 };
  let resized: Value;
  if (c.interpolateOffset > 0) {
    const sizes = g.op('Cast', [hw], { to: 1 }); // [2] float
    const scale = g.op('Div', [g.op('Add', [sizes, g.scalar(c.interpolateOffset)]), g.scalar(m)]); // (h + offset) / M
    const same = g.op('Equal', [hw, g.ints([m, m])]); // [2] bool
    const atGrid = g.op('And', [g.op('Gather', [same, g.intScalar(0)], { axis: 0 }), g.op('Gather', [same, g.intScalar(1)], { axis: 0 })]); // h = w = M
    const scales = g.op('Concat', [g.constant('float32', [2], [1, 1]), g.op('Where', [atGrid, g.constant('float32', [2], [1, 1]), scale])], { axis: 0 }); // [4]
    resized = g.op('Resize', [image, '', scales], cubic); // [1, D, h, w]
  } else {
    resized = g.op('Resize', [image, '', '', g.op('Concat', [g.ints([1, d]), hw], { axis: 0 })], cubic); // [1, D, h, w]
  }
  return g.op('Concat', [cls, mapToSequence(ctx, resized)], { axis: 1 }); // [1, 1 + hw, D]
}

/** [cls, registers…, patches] + positions (registers get none), [B, 1 + R + h·w, D], from the patch map [B, D, h, w]. */
function prepareTokens(ctx: EmitContext, vit: Dinov2VisionTransformer, map: Value, grid: [number, number] | null): Value {
  const g = ctx.g;
  const d = vit.config.embedDim;
  const b = ctx.dim(map, 0);
  const cls = g.op('Expand', [ctx.weight(vit, 'cls_token'), ctx.shapeOf([b, 1, d])]); // [B, 1, D]
  const x = g.op('Add', [g.op('Concat', [cls, mapToSequence(ctx, map)], { axis: 1 }), positionEmbedding(ctx, vit, map, grid)]); // [B, 1 + hw, D]
  const r = vit.config.numRegisterTokens;
  if (r === 0) return x;
  const regs = g.op('Expand', [ctx.weight(vit, 'register_tokens'), ctx.shapeOf([b, r, d])]); // [B, R, D]
  return g.op('Concat', [ctx.slice(x, 1, 0, 1), regs, ctx.slice(x, 1, 1, END)], { axis: 1 }); // [B, N, D]
}

function runBlocks(ctx: EmitContext, vit: Dinov2VisionTransformer, image: Value, taps: number[]): { outputs: Value[]; map: Value } {
  checkTaps('DINOv2', taps, vit.config.depth);
  const map = emitForward(ctx, vit.patchEmbed.proj, image); // [B, D, h, w]
  const tokens = prepareTokens(ctx, vit, map, staticGrid(ctx, image, vit.patchSize)); // [B, N, D]
  return { outputs: runTappedBlocks(ctx, vit.blocks, tokens, taps), map };
}

function features(ctx: EmitContext, vit: Dinov2VisionTransformer, image: Value, args: { layers: number[]; norm: boolean }): OnnxFeature[] {
  const { outputs, map } = runBlocks(ctx, vit, image, args.layers);
  return tokensToFeatures(ctx, outputs, args.norm ? vit.norm : null, vit.numPrefixTokens, map);
}

/** Fused qkv ([3D, D], q then k then v) → per-head q, k, v → the shared attention product → proj. */
function attention(ctx: EmitContext, m: Dinov2Attention, x: Value): Value {
  const g = ctx.g;
  const qkv = g.op('Transpose', [ctx.reshape(linear(ctx, m.qkv, x), [0, 0, 3, m.numHeads, m.headDim])], { perm: [2, 0, 3, 1, 4] }); // [3, B, H, N, hd]
  const [q, k, v] = [0, 1, 2].map((i) => g.op('Gather', [qkv, g.intScalar(i)], { axis: 0 })); // [B, H, N, hd]
  const out = scaledDotProduct(ctx, q, k, v, m.scale); // [B, H, N, hd]
  return linear(ctx, m.proj, mergeHeads(ctx, out, m.dim)); // [B, N, D]
}

/** Registers the emitters of @anydepth/dinov2's modules. */
export function registerDinov2Emitters(): void {
  registerEmitter(SwiGLUFused, {
    forward: (ctx, m, x) => {
      const both = linear(ctx, m.w12, x); // [B, N, 2·hidden]
      const x1 = ctx.slice(both, 2, 0, m.hiddenDim);
      const x2 = ctx.slice(both, 2, m.hiddenDim, END);
      return linear(ctx, m.w3, ctx.g.op('Mul', [silu(ctx, x1), x2])); // [B, N, D]
    },
  });
  registerEmitter(Dinov2Attention, { forward: attention });
  registerEmitter(PatchEmbed, { forward: (ctx, m, image) => mapToSequence(ctx, emitForward(ctx, m.proj, image)) });
  registerEmitter(Dinov2VisionTransformer, {
    features,
    /** The final tokens after the last block and the final norm, [B, N, D] (`x_norm` of `forward_features`). */
    forward: (ctx, vit, image) => emitForward(ctx, vit.norm, runBlocks(ctx, vit, image, [vit.config.depth - 1]).outputs[0]),
  });
}
