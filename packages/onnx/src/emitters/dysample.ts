import { DySample } from '@anydepth/dysample';
import type { EmitContext } from '../emit-context.js';
import type { Value } from '../graph-builder.js';
import { emitForward, registerEmitter } from '../registry.js';

/** PyTorch pixel_shuffle on NCHW: ONNX DepthToSpace in CRD order. */
function pixelShuffle(ctx: EmitContext, x: Value, s: number): Value {
  return ctx.g.op('DepthToSpace', [x], { blocksize: s, mode: 'CRD' });
}

/** PyTorch pixel_unshuffle on NCHW: [B, c, sH, sW] → [B, c·s², H, W], channel k·s² + i·s + j. */
function pixelUnshuffle(ctx: EmitContext, x: Value, s: number): Value {
  const b = ctx.dim(x, 0);
  const c = ctx.dim(x, 1);
  const h = ctx.g.op('Div', [ctx.dim(x, 2), ctx.g.ints([s])]);
  const w = ctx.g.op('Div', [ctx.dim(x, 3), ctx.g.ints([s])]);
  const split = ctx.reshape(x, [b, c, h, s, w, s]); // [B, c, H, i, W, j]
  const moved = ctx.g.op('Transpose', [split], { perm: [0, 1, 3, 5, 2, 4] }); // [B, c, i, j, H, W]
  return ctx.reshape(moved, [b, ctx.mulDims(c, s * s), h, w]);
}

/** `offset(x)·sigmoid(scope(x))` (or without the scope), for lp on x and for pl on the shuffled x. */
function rawOffset(ctx: EmitContext, m: DySample, x: Value): Value {
  const off = emitForward(ctx, m.offset, x);
  return m.scope ? ctx.g.op('Mul', [off, ctx.g.op('Sigmoid', [emitForward(ctx, m.scope, x)])]) : off;
}

/**
 * DySample as the official module computes it: offsets (in input pixels, incl. `init_pos`), a
 * half-pixel base grid built from the run-time H and W, normalised to [−1, 1], pixel-shuffled to
 * the output grid, and one GridSample (bilinear, border padding, align_corners=False — exactly the
 * official `F.grid_sample` call) over the channel groups. NCHW [B, C, H, W] → [B, C, sH, sW].
 */
function dysample(ctx: EmitContext, m: DySample, x: Value): Value {
  const g = ctx.g;
  if (g.opset < 16) throw new Error(`ONNX export: DySample at '${ctx.pathOf(m)}' needs GridSample (opset ≥ 16), asked for opset ${g.opset}`);
  const s = m.scale;
  const groups = m.groups;
  const factor = m.dyscope ? 0.5 : 0.25;
  const raw = m.style === 'lp' ? rawOffset(ctx, m, x) : pixelUnshuffle(ctx, rawOffset(ctx, m, pixelShuffle(ctx, x, s)), s); // [B, 2Gs², H, W]
  const offset = g.op('Add', [g.op('Mul', [raw, g.scalar(factor)]), ctx.weight(m, 'init_pos')]); // [B, 2Gs², H, W]

  const b = ctx.dim(x, 0);
  const c = ctx.dim(x, 1);
  const hDim = ctx.dim(x, 2);
  const wDim = ctx.dim(x, 3);
  const scalarDim = (axis: number) => g.op('Gather', [ctx.shape(x), g.intScalar(axis)], { axis: 0 });
  const centres = (axis: number) => g.op('Add', [g.op('Cast', [g.op('Range', [g.intScalar(0), scalarDim(axis), g.intScalar(1)])], { to: 1 }), g.scalar(0.5)]);
  const xs = ctx.reshape(centres(3), [1, 1, 1, wDim]); // [1, 1, 1, W]
  const ys = ctx.reshape(centres(2), [1, 1, hDim, 1]); // [1, 1, H, 1]
  const plane = ctx.shapeOf([1, 1, hDim, wDim]);
  const base = g.op('Concat', [g.op('Expand', [xs, plane]), g.op('Expand', [ys, plane])], { axis: 0 }); // [2, 1, H, W]: (x, y)
  const size = g.op('Cast', [g.op('Concat', [wDim, hDim], { axis: 0 })], { to: 1 }); // [2] = (W, H)
  const norm = ctx.reshape(g.op('Div', [g.scalar(2), size]), [1, 2, 1, 1, 1]);
  const off5 = ctx.reshape(offset, [b, 2, groups * s * s, hDim, wDim]); // [B, 2, Gs², H, W]
  const coords = g.op('Sub', [g.op('Mul', [g.op('Add', [off5, g.op('Unsqueeze', [base, g.ints([0])])]), norm]), g.scalar(1)]); // [B, 2, Gs², H, W]
  const shuffled = pixelShuffle(ctx, ctx.reshape(coords, [b, 2 * groups * s * s, hDim, wDim]), s); // [B, 2G, sH, sW]
  const sh = ctx.mulDims(hDim, s);
  const sw = ctx.mulDims(wDim, s);
  const grid = ctx.reshape(
    g.op('Transpose', [ctx.reshape(shuffled, [b, 2, groups, sh, sw])], { perm: [0, 2, 3, 4, 1] }), // [B, G, sH, sW, 2]
    [ctx.mulDims(b, groups), sh, sw, 2],
  );
  const grouped = ctx.reshape(x, [ctx.mulDims(b, groups), -1, hDim, wDim]); // [B·G, C/G, H, W]
  const sampled = g.op('GridSample', [grouped, grid], { mode: g.opset >= 20 ? 'linear' : 'bilinear', padding_mode: 'border', align_corners: 0 });
  return ctx.reshape(sampled, [b, c, sh, sw]); // [B, C, sH, sW]
}

/** Registers the DySample emitter. */
export function registerDysampleEmitters(): void {
  registerEmitter(DySample, { forward: dysample });
}
