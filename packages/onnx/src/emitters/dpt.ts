import {
  ConvModule,
  DAv2FeatureFusionBlock,
  DPTHead,
  DepthAnythingV2DPTHead,
  FeatureFusionBlock,
  Interpolate,
  PreActResidualConvUnit,
  ReassembleBlocks,
  ResidualConvUnit,
  UpConvHead,
} from '@anydepth/dpt';
import type { EmitContext } from '../emit-context.js';
import type { Value } from '../graph-builder.js';
import { type OnnxFeature, emitForward, registerEmitter } from '../registry.js';
import { mapToTokens, withClsReadout } from './sdt.js';

/**
 * PyTorch's bilinear `F.interpolate` on NCHW to a run-time size `hw` (1-D int64 [2]):
 * align_corners=True → `align_corners`; False → `pytorch_half_pixel`.
 */
export function resizeBilinear(ctx: EmitContext, x: Value, hw: Value, alignCorners: boolean): Value {
  const g = ctx.g;
  const sizes = g.op('Concat', [ctx.slice(ctx.shape(x), 0, 0, 2), hw], { axis: 0 }); // [B, C, H', W']
  return g.op('Resize', [x, '', '', sizes], {
    mode: 'linear',
    coordinate_transformation_mode: alignCorners ? 'align_corners' : 'pytorch_half_pixel',
  });
}

/** The spatial size (1-D int64 [2]) of an NCHW value, optionally times a factor. */
export function spatialSize(ctx: EmitContext, x: Value, factor = 1): Value {
  const hw = ctx.slice(ctx.shape(x), 0, 2, 4);
  return factor === 1 ? hw : ctx.mulDims(hw, factor);
}

function convModule(ctx: EmitContext, m: ConvModule, x: Value): Value {
  const input = m.activation === 'before' ? ctx.g.op('Relu', [x]) : x;
  const y = emitForward(ctx, m.conv, input);
  return m.activation === 'after' ? ctx.g.op('Relu', [y]) : y;
}

/** Class-token readout on a patch map [B, D, h, w] ('add' or 'project'), back to a map. */
function readout(ctx: EmitContext, map: Value, cls: Value, project: Parameters<typeof emitForward>[1] | null): Value {
  const g = ctx.g;
  if (!project) return g.op('Add', [map, g.op('Unsqueeze', [cls, g.ints([2, 3])])]);
  const tokens = emitForward(ctx, project, withClsReadout(ctx, mapToTokens(ctx, map), cls)); // [B, hw, D]
  return ctx.reshape(g.op('Transpose', [tokens], { perm: [0, 2, 1] }), [0, 0, ctx.dim(map, 2), ctx.dim(map, 3)]);
}

function reassemble(ctx: EmitContext, m: ReassembleBlocks, features: OnnxFeature[]): Value[] {
  return features.map((f, i) => {
    let x = f.patches; // [B, D, h, w]
    if (m.readoutType !== 'ignore') {
      if (!f.cls) throw new Error(`ONNX export: ReassembleBlocks at '${ctx.pathOf(m)}' with readout '${m.readoutType}' needs the class token`);
      x = readout(ctx, x, f.cls(), m.readoutType === 'project' ? m.readoutProjects!.at(i) : null);
    }
    x = emitForward(ctx, m.batchnormLayers.at(i), x);
    x = emitForward(ctx, m.projects.at(i), x);
    return emitForward(ctx, m.resizeLayers.at(i), x);
  });
}

function fusionBlock(ctx: EmitContext, m: FeatureFusionBlock, x: Value, skip?: Value): Value {
  const g = ctx.g;
  let out = x;
  if (skip) {
    if (!m.resConvUnit1) throw new Error(`ONNX export: FeatureFusionBlock at '${ctx.pathOf(m)}' has no res_conv_unit1 and takes no skip input`);
    out = g.op('Add', [out, emitForward(ctx, m.resConvUnit1, resizeBilinear(ctx, skip, spatialSize(ctx, x), false))]);
  }
  out = emitForward(ctx, m.resConvUnit2, out);
  out = resizeBilinear(ctx, out, spatialSize(ctx, out, 2), m.alignCorners);
  return emitForward(ctx, m.project, out);
}

function dptHead(ctx: EmitContext, m: DPTHead, features: OnnxFeature[]): Value {
  const maps = ctx.scoped(m.reassembleBlocks, () => reassemble(ctx, m.reassembleBlocks, features)).map((x, i) => emitForward(ctx, m.convs.at(i), x));
  let out = emitForward(ctx, m.fusionBlocks.at(0), maps[3]);
  for (let i = 1; i < 4; i++) out = emitForward(ctx, m.fusionBlocks.at(i), out, { skip: maps[3 - i] });
  return emitForward(ctx, m.convDepth, emitForward(ctx, m.project, out)); // [B, out, 16h, 16w]
}

function residualConvUnit(ctx: EmitContext, m: ResidualConvUnit, x: Value): Value {
  const g = ctx.g;
  let out = emitForward(ctx, m.conv1, g.op('Relu', [x]));
  if (m.bn1) out = emitForward(ctx, m.bn1, out);
  out = emitForward(ctx, m.conv2, g.op('Relu', [out]));
  if (m.bn2) out = emitForward(ctx, m.bn2, out);
  return g.op('Add', [out, x]);
}

function dav2FusionBlock(ctx: EmitContext, m: DAv2FeatureFusionBlock, x: Value, skip?: Value, size?: Value): Value {
  const g = ctx.g;
  let out = x;
  if (skip) out = g.op('Add', [out, emitForward(ctx, m.resConfUnit1, skip)]);
  out = emitForward(ctx, m.resConfUnit2, out);
  out = resizeBilinear(ctx, out, size ?? spatialSize(ctx, out, 2), m.alignCorners);
  return emitForward(ctx, m.outConv, out);
}

function dav2Head(ctx: EmitContext, m: DepthAnythingV2DPTHead, features: OnnxFeature[]): Value {
  const layers = features.map((f, i) => {
    let x = f.patches; // [B, D, h, w]
    if (m.useClsToken) {
      if (!f.cls) throw new Error(`ONNX export: DepthAnythingV2DPTHead at '${ctx.pathOf(m)}' with use_clstoken needs the class token`);
      x = readout(ctx, x, f.cls(), m.readoutProjects!.at(i));
    }
    x = emitForward(ctx, m.projects.at(i), x);
    x = emitForward(ctx, m.resizeLayers.at(i), x);
    return emitForward(ctx, m.scratch.layerRn[i], x); // [B, F, *, *]
  });
  const [r1, r2, r3, r4] = m.scratch.refinenets;
  const path4 = emitForward(ctx, r4, layers[3], { size: spatialSize(ctx, layers[2]) });
  const path3 = emitForward(ctx, r3, path4, { skip: layers[2], size: spatialSize(ctx, layers[1]) });
  const path2 = emitForward(ctx, r2, path3, { skip: layers[1], size: spatialSize(ctx, layers[0]) });
  const path1 = emitForward(ctx, r1, path2, { skip: layers[0] });
  const out = emitForward(ctx, m.scratch.outputConv1, path1);
  const resized = resizeBilinear(ctx, out, spatialSize(ctx, features[0].patches, m.patchSize), true); // [B, F/2, p·h, p·w]
  return emitForward(ctx, m.scratch.outputConv2, resized); // [B, 1, p·h, p·w]
}

/** Registers the emitters of @anydepth/dpt's modules. */
export function registerDptEmitters(): void {
  registerEmitter(ConvModule, { forward: convModule });
  registerEmitter(Interpolate, {
    forward: (ctx, m, x) => {
      if (!Number.isInteger(m.scaleFactor)) throw new Error(`ONNX export: Interpolate at '${ctx.pathOf(m)}' has a non-integer scale factor ${m.scaleFactor}`);
      return resizeBilinear(ctx, x, spatialSize(ctx, x, m.scaleFactor), m.alignCorners);
    },
  });
  registerEmitter(PreActResidualConvUnit, { forward: (ctx, m, x) => ctx.g.op('Add', [emitForward(ctx, m.conv2, emitForward(ctx, m.conv1, x)), x]) });
  registerEmitter(ResidualConvUnit, { forward: residualConvUnit });
  registerEmitter(FeatureFusionBlock, { forward: (ctx, m, x, args) => fusionBlock(ctx, m, x, args?.skip) });
  registerEmitter(DAv2FeatureFusionBlock, { forward: (ctx, m, x, args) => dav2FusionBlock(ctx, m, x, args?.skip, args?.size) });
  registerEmitter(UpConvHead, { forward: (ctx, m, x) => emitForward(ctx, m.head, x) });
  registerEmitter(ReassembleBlocks, {});
  registerEmitter(DPTHead, { head: dptHead });
  registerEmitter(DepthAnythingV2DPTHead, { head: dav2Head });
}
