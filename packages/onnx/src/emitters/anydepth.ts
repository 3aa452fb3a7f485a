import { AnyDepth, DepthAnythingV2 } from '@anydepth/model';
import type { EmitContext } from '../emit-context.js';
import type { Value } from '../graph-builder.js';
import { emitFeatures, emitHead, registerEmitter } from '../registry.js';

/**
 * The official CenterPadding on an NCHW image, from the run-time H and W: pad up to a multiple of
 * `multiple`, top/left = pad // 2, bottom/right = the rest, zeros (the mean colour after normalisation).
 * The same rule as core's `centerPaddingFor`, written as graph ops because H and W are only known at run time
 * (dynamic axes); anydepth-export.test.ts checks both at 60×90.
 */
export function centerPadding(ctx: EmitContext, image: Value, multiple: number): Value {
  const g = ctx.g;
  const m = g.ints([multiple]);
  const two = g.ints([2]);
  const amounts = (axis: number): [Value, Value] => {
    const total = g.op('Mod', [g.op('Sub', [m, g.op('Mod', [ctx.dim(image, axis), m])]), m]);
    const before = g.op('Div', [total, two]);
    return [before, g.op('Sub', [total, before])];
  };
  const [top, bottom] = amounts(2);
  const [left, right] = amounts(3);
  const zero = g.ints([0, 0]);
  const pads = g.op('Concat', [zero, top, left, zero, bottom, right], { axis: 0 }); // [8]
  return g.op('Pad', [image, pads], { mode: 'constant' });
}

/** AnyDepth: CenterPadding → encoder taps → head → relu(x) + min_depth. NCHW image → [B, 1, H', W']. */
function anyDepth(ctx: EmitContext, m: AnyDepth, image: Value): Value {
  const g = ctx.g;
  const padded = centerPadding(ctx, image, m.patchSize);
  const features = emitFeatures(ctx, m.encoder, padded, { layers: m.layers, norm: m.norm });
  const logits = emitHead(ctx, m.decoder, features);
  return g.op('Add', [g.op('Relu', [logits]), g.scalar(m.minDepth)]);
}

/**
 * Depth Anything V2: DINOv2 taps (final norm applied; the class token only when the head reads it)
 * → DAv2 DPT head → relu. NCHW image (sides multiples of 14) → [B, 1, H, W].
 */
function depthAnythingV2(ctx: EmitContext, m: DepthAnythingV2, image: Value): Value {
  const features = emitFeatures(ctx, m.pretrained, image, { layers: m.config.layers, norm: true });
  return ctx.g.op('Relu', [emitHead(ctx, m.depthHead, features)]);
}

/** Registers the whole-model emitters (AnyDepth, Depth Anything V2). */
export function registerModelEmitters(): void {
  registerEmitter(AnyDepth, { forward: anyDepth });
  registerEmitter(DepthAnythingV2, { forward: depthAnythingV2 });
}
