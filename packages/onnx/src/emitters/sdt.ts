import { DySampleUpsampler, SDTHead, SpatialDetailEnhancer, WeightedFusion } from '@anydepth/sdt';
import type { EmitContext } from '../emit-context.js';
import type { Value } from '../graph-builder.js';
import { type OnnxFeature, emitForward, registerEmitter } from '../registry.js';

/** [B, D, h, w] → tokens [B, hw, D]. */
export function mapToTokens(ctx: EmitContext, map: Value): Value {
  return ctx.g.op('Transpose', [ctx.reshape(map, [0, 0, -1])], { perm: [0, 2, 1] });
}

/** [patch tokens ‖ cls broadcast] along the channels: [B, hw, 2D]. */
export function withClsReadout(ctx: EmitContext, tokens: Value, cls: Value): Value {
  const g = ctx.g;
  const broadcast = g.op('Expand', [g.op('Unsqueeze', [cls, g.ints([1])]), ctx.shape(tokens)]); // [B, hw, D]
  return g.op('Concat', [tokens, broadcast], { axis: 2 });
}

/** Eq. 1: T = Σ softmax(w)_i · GELU(W_p GELU(W_r [t ‖ cls] + b)), on tokens; returns the fused map [B, C, h, w]. */
function weightedFusion(ctx: EmitContext, m: WeightedFusion, features: OnnxFeature[]): Value {
  const g = ctx.g;
  if (features.length !== m.projections.length) {
    throw new Error(`ONNX export: WeightedFusion at '${ctx.pathOf(m)}' fuses ${m.projections.length} layers, got ${features.length} features`);
  }
  const alpha = g.op('Softmax', [ctx.weight(m, 'layer_weights')], { axis: 0 }); // [L]
  let fused: Value | null = null;
  features.forEach((f, i) => {
    let x = mapToTokens(ctx, f.patches); // [B, hw, D]
    const readout = m.readoutProjects?.at(i);
    if (readout && f.cls) x = emitForward(ctx, readout, withClsReadout(ctx, x, f.cls())); // [B, hw, D]
    const p = emitForward(ctx, m.projections.at(i), x); // [B, hw, C]
    const weighted = g.op('Mul', [p, g.op('Gather', [alpha, g.ints([i])], { axis: 0 })]);
    fused = fused ? g.op('Add', [fused, weighted]) : weighted;
  });
  const first = features[0].patches;
  const tokens = g.op('Transpose', [fused!], { perm: [0, 2, 1] }); // [B, C, hw]
  return ctx.reshape(tokens, [0, 0, ctx.dim(first, 2), ctx.dim(first, 3)]); // [B, C, h, w]
}

function sdtHead(ctx: EmitContext, m: SDTHead, features: OnnxFeature[]): Value {
  const fused = ctx.scoped(m.weightedFusion, () => weightedFusion(ctx, m.weightedFusion, features));
  let x = emitForward(ctx, m.detailEnhancer, fused);
  x = emitForward(ctx, m.upsample1, x);
  x = emitForward(ctx, m.refinement1, x);
  x = emitForward(ctx, m.upsample2, x);
  x = emitForward(ctx, m.refinement2, x);
  return emitForward(ctx, m.outputConv, x); // [B, out, 16h, 16w]
}

/** Registers the emitters of @anydepth/sdt's modules. */
export function registerSdtEmitters(): void {
  registerEmitter(SpatialDetailEnhancer, {
    forward: (ctx, m, x) => ctx.g.op('Relu', [ctx.g.op('Add', [emitForward(ctx, m.norm, emitForward(ctx, m.dwconv, x)), x])]),
  });
  registerEmitter(DySampleUpsampler, { forward: (ctx, m, x) => emitForward(ctx, m.dysample2, emitForward(ctx, m.dysample1, x)) });
  registerEmitter(WeightedFusion, { head: weightedFusion });
  registerEmitter(SDTHead, { head: sdtHead });
}
