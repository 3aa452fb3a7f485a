import {
  BatchNorm2d,
  Conv2d,
  ConvTranspose2d,
  GELU,
  GeluMlp,
  Identity,
  type Layer,
  LayerNorm,
  LayerScale,
  Linear,
  type Module,
  ReLU,
  Sequential,
} from '@anydepth/core';
import { PreNormBlock } from '@anydepth/core/internal';
import type { EmitContext } from '../emit-context.js';
import type { Value } from '../graph-builder.js';
import { type EmitArgs, emitForward, registerEmitter } from '../registry.js';

/** Exact GELU `0.5·x·(1 + erf(x/√2))` (ONNX's Gelu op needs opset 20). */
export function gelu(ctx: EmitContext, x: Value): Value {
  const g = ctx.g;
  const erf = g.op('Erf', [g.op('Mul', [x, g.scalar(Math.SQRT1_2)])]);
  return g.op('Mul', [g.op('Mul', [x, g.scalar(0.5)]), g.op('Add', [erf, g.scalar(1)])]);
}

/** `x·sigmoid(x)`. */
export function silu(ctx: EmitContext, x: Value): Value {
  return ctx.g.op('Mul', [x, ctx.g.op('Sigmoid', [x])]);
}

/** `y = x Wᵀ + b` on the last axis; W stays [out, in] under its state-dict name (ORT folds the Transpose). */
export function linear(ctx: EmitContext, m: Linear, x: Value): Value {
  const g = ctx.g;
  const wt = g.op('Transpose', [ctx.weight(m, 'weight')], { perm: [1, 0] }); // [in, out]
  const y = g.op('MatMul', [x, wt]);
  return m.bias ? g.op('Add', [y, ctx.weight(m, 'bias')]) : y;
}

function conv2d(ctx: EmitContext, m: Conv2d, x: Value): Value {
  const [kh, kw] = m.kernelSize;
  const attrs: Record<string, number[] | number | string> = {
    kernel_shape: [kh, kw],
    strides: [...m.stride],
    dilations: [...m.dilation],
    group: m.groups,
  };
  if (m.padding === 'same') attrs.auto_pad = 'SAME_UPPER';
  else if (m.padding === 'valid') attrs.pads = [0, 0, 0, 0];
  else attrs.pads = [m.padding[0], m.padding[1], m.padding[0], m.padding[1]];
  const inputs = [x, ctx.weight(m, 'weight')];
  if (m.bias) inputs.push(ctx.weight(m, 'bias'));
  return ctx.g.op('Conv', inputs, attrs);
}

function convTranspose2d(ctx: EmitContext, m: ConvTranspose2d, x: Value): Value {
  const inputs = [x, ctx.weight(m, 'weight')]; // [I, O, kh, kw]: PyTorch's and ONNX's layout
  if (m.bias) inputs.push(ctx.weight(m, 'bias'));
  return ctx.g.op('ConvTranspose', inputs, {
    kernel_shape: [...m.kernelSize],
    strides: [...m.stride],
    pads: [m.padding[0], m.padding[1], m.padding[0], m.padding[1]],
    output_padding: [...m.outputPadding],
  });
}

function batchNorm2d(ctx: EmitContext, m: BatchNorm2d, x: Value): Value {
  if (!m.runningMean || !m.runningVar) {
    throw new Error(
      `ONNX export: BatchNorm2d at '${ctx.pathOf(m)}' has no running statistics (track_running_stats=False); only inference BatchNorm is exported`,
    );
  }
  const g = ctx.g;
  const c = m.numFeatures;
  const scale = m.weight ? ctx.weight(m, 'weight') : g.constant('float32', [c], new Float32Array(c).fill(1));
  const bias = m.bias ? ctx.weight(m, 'bias') : g.constant('float32', [c], new Float32Array(c));
  return g.op('BatchNormalization', [x, scale, bias, ctx.weight(m, 'running_mean'), ctx.weight(m, 'running_var')], { epsilon: m.eps });
}

/** LayerNorm over the last axis: the LayerNormalization op (opset 17), or its decomposition at opset 16. */
export function layerNorm(ctx: EmitContext, m: LayerNorm, x: Value): Value {
  const g = ctx.g;
  const d = m.normalizedShape;
  const scale = m.weight ? ctx.weight(m, 'weight') : g.constant('float32', [d], new Float32Array(d).fill(1));
  const bias = m.bias ? ctx.weight(m, 'bias') : g.constant('float32', [d], new Float32Array(d));
  if (g.opset >= 17) return g.op('LayerNormalization', [x, scale, bias], { axis: -1, epsilon: m.eps });
  const mean = g.op('ReduceMean', [x], { axes: [-1], keepdims: 1 });
  const centred = g.op('Sub', [x, mean]);
  const variance = g.op('ReduceMean', [g.op('Mul', [centred, centred])], { axes: [-1], keepdims: 1 });
  const normed = g.op('Div', [centred, g.op('Sqrt', [g.op('Add', [variance, g.scalar(m.eps)])])]);
  return g.op('Add', [g.op('Mul', [normed, scale]), bias]);
}

/** One pre-norm ViT block (DINOv2 `NestedTensorBlock`, DINOv3 `SelfAttentionBlock`); `args` reach the attention (RoPE). */
function preNormBlock(ctx: EmitContext, m: PreNormBlock<Module, Layer>, x: Value, args?: EmitArgs): Value {
  const g = ctx.g;
  const h = g.op('Add', [x, emitForward(ctx, m.layerScale1, emitForward(ctx, m.attention, emitForward(ctx, m.norm1, x), args))]); // [B, N, D]
  return g.op('Add', [h, emitForward(ctx, m.layerScale2, emitForward(ctx, m.mlp, emitForward(ctx, m.norm2, h)))]); // [B, N, D]
}

/** Registers the emitters of @anydepth/core's layers. */
export function registerCoreEmitters(): void {
  registerEmitter(Linear, { forward: linear });
  registerEmitter(GeluMlp, { forward: (ctx, m, x) => linear(ctx, m.down, gelu(ctx, linear(ctx, m.up, x))) });
  registerEmitter(Conv2d, { forward: conv2d });
  registerEmitter(ConvTranspose2d, { forward: convTranspose2d });
  registerEmitter(BatchNorm2d, { forward: batchNorm2d });
  registerEmitter(LayerNorm, { forward: layerNorm });
  registerEmitter(LayerScale, { forward: (ctx, m, x) => ctx.g.op('Mul', [x, ctx.weight(m, m.parameterName)]) });
  registerEmitter(PreNormBlock, { forward: preNormBlock });
  registerEmitter(GELU, { forward: (ctx, _m, x) => gelu(ctx, x) });
  registerEmitter(ReLU, { forward: (ctx, _m, x) => ctx.g.op('Relu', [x]) });
  registerEmitter(Identity, { forward: (_ctx, _m, x) => x });
  registerEmitter(Sequential, { forward: (ctx, m, x) => m.layers.reduce((y, layer) => emitForward(ctx, layer, y), x) });
}
