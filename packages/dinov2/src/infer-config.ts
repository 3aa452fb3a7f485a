import type { TensorSource } from '@anydepth/core';
import { DINOV2_PRESETS, type Dinov2Config, type Dinov2ConfigLimits, dinov2Config } from './config.js';
import { Dinov2OfficialView, detectDinov2Layout } from './weights.js';

export interface InferDinov2ConfigOptions extends Dinov2ConfigLimits {
  /** Key prefix of the encoder tensors (detected when omitted). */
  prefix?: string;
  /** Attention heads: shapes cannot tell them. Default: the released model of that width, else D / 32 (min 1). */
  numHeads?: number;
  /** Taps for `getIntermediateLayers` (default: the DAv2 / DINOv2 depth layers for this depth). */
  intermediateLayers?: readonly number[];
}

/**
 * Reads the DINOv2 hyper-parameters from a checkpoint's tensor shapes (either layout): width,
 * depth, patch size, channels, position grid, registers, FFN type and width. The head count is
 * not stored in the tensors: it comes from `numHeads`, else from the released model of the same
 * width (384 → 6, 768 → 12, 1024 → 16, 1536 → 24), else D / 32. Registered models (-reg) are
 * assumed to use the -reg position-embedding resize (offset 0, antialias). The result is validated
 * (`DINOV2_FIELD_LIMITS`, `maxModelBytes`) before anything is allocated: block indices in key names
 * cannot ask for an absurd depth.
 */
export function inferDinov2Config(source: TensorSource, options: InferDinov2ConfigOptions = {}): Dinov2Config {
  const { layout, prefix } = detectDinov2Layout(source.keys(), options.prefix);
  const view = new Dinov2OfficialView(source, layout, prefix);
  const keys = view.keys();
  const shape = (name: string): number[] => {
    const s = view.shapeOf(name);
    if (!s) throw new Error(`inferDinov2Config: the checkpoint has no tensor for '${name}' (layout ${layout}, prefix '${prefix}')`);
    return s;
  };
  let depth = 0;
  for (const k of keys) {
    const m = /^blocks\.(\d+)\./.exec(k);
    if (m) depth = Math.max(depth, Number(m[1]) + 1);
  }
  if (depth === 0) throw new Error(`inferDinov2Config: no transformer blocks found under '${prefix}'`);
  const patch = shape('patch_embed.proj.weight'); // [D, C, p, p]
  const embedDim = patch[0];
  const pos = shape('pos_embed'); // [1, 1 + M², D]
  const grid = Math.round(Math.sqrt(pos[1] - 1));
  if (grid * grid !== pos[1] - 1) throw new Error(`inferDinov2Config: pos_embed [${pos}] is not 1 + M² tokens`);
  const registers = keys.includes('register_tokens') ? shape('register_tokens')[1] : 0;
  const swiglu = keys.includes('blocks.0.mlp.w12.weight');
  const hidden = swiglu ? shape('blocks.0.mlp.w12.weight')[0] / 2 : shape('blocks.0.mlp.fc1.weight')[0];
  const released = Object.values(DINOV2_PRESETS).find((c) => c.embedDim === embedDim);
  const numHeads = options.numHeads ?? released?.numHeads ?? Math.max(1, Math.round(embedDim / 32));
  return dinov2Config(
    {
      embedDim,
      depth,
      numHeads,
      ffn: swiglu ? 'swiglu' : 'mlp',
      ffnHiddenDim: hidden,
      patchSize: patch[2],
      inChannels: patch[1],
      posEmbedGrid: grid,
      numRegisterTokens: registers,
      interpolateOffset: registers > 0 ? 0 : 0.1,
      interpolateAntialias: registers > 0,
      intermediateLayers: options.intermediateLayers,
    },
    { maxModelBytes: options.maxModelBytes },
  );
}
