import type { TensorSource } from '@anydepth/core';
import { type ConfigLimits, type DinoV3Config, dinov3Config } from './config.js';
import { detectWeightScheme } from './weights.js';

/**
 * Reads the hyper-parameters of a DINOv3 checkpoint from its tensor shapes, for checkpoints that
 * come without a `config.json` (e.g. a converted torch-hub `.pth`). The head dim comes from
 * `rope_embed.periods` when present, else 64 (every released DINOv3 ViT). The shapes are untrusted: the
 * config is checked against the size limits and the memory budget (`limits.maxModelBytes`) like any other.
 */
export function inferConfig(source: TensorSource, prefix?: string, limits: ConfigLimits = {}): DinoV3Config {
  const keys = [...source.keys()];
  const { scheme, prefix: p } = detectWeightScheme(keys, prefix);
  const shape = (name: string): readonly number[] => {
    const s = source.shapeOf?.(p + name) ?? source.get(p + name)?.shape;
    if (!s) throw new Error(`inferConfig: the checkpoint has no '${p + name}'`);
    return s;
  };
  const blockRe = scheme === 'hf' ? /^layer\.(\d+)\./ : /^blocks\.(\d+)\./;
  let depth = 0;
  for (const k of keys) {
    if (!k.startsWith(p)) continue;
    const m = blockRe.exec(k.slice(p.length));
    if (m) depth = Math.max(depth, Number(m[1]) + 1);
  }
  const has = (name: string) => keys.includes(p + name);
  const registers = shape(scheme === 'hf' ? 'embeddings.register_tokens' : 'storage_tokens')[1];
  const patch = shape(scheme === 'hf' ? 'embeddings.patch_embeddings.weight' : 'patch_embed.proj.weight');
  // The patch embedding (the marker every checkpoint has) gives the width: [D, C, p, p].
  const embedDim = patch[0];
  const headDim = has('rope_embed.periods') ? 4 * shape('rope_embed.periods')[0] : 64;
  const swiglu = scheme === 'hf' ? has('layer.0.mlp.gate_proj.weight') : has('blocks.0.mlp.w1.weight') || has('blocks.0.mlp.w12.weight');
  const hidden =
    scheme === 'hf'
      ? shape('layer.0.mlp.up_proj.weight')[0]
      : swiglu
        ? has('blocks.0.mlp.w1.weight')
          ? shape('blocks.0.mlp.w1.weight')[0]
          : shape('blocks.0.mlp.w12.weight')[0] / 2
        : shape('blocks.0.mlp.fc1.weight')[0];
  return dinov3Config(
    {
      embedDim,
      depth,
      numHeads: embedDim / headDim,
      ffn: swiglu ? 'swiglu' : 'mlp',
      ffnHiddenDim: hidden,
      numRegisterTokens: registers,
      patchSize: patch[2],
      inChannels: patch[1],
    },
    limits,
  );
}
