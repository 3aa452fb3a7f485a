import * as tf from '@tensorflow/tfjs-core';
import type { TensorSource } from '@anydepth/core';
import { setBackend } from '@anydepth/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import { anyDepthPreset, anyDepthTinyConfig, configFromCheckpoint, createAnyDepth } from '../src/index.js';
import { CONFIG_METADATA_KEY } from '../src/internal.js';

/** A checkpoint header: shapes and metadata, no tensor data (reading any would be a bug). */
function header(metadata: Record<string, string>, shapes: Record<string, number[]> = {}): TensorSource & { metadata: Record<string, string> } {
  return {
    metadata,
    keys: () => Object.keys(shapes),
    shapeOf: (k: string) => shapes[k],
    get: () => {
      throw new Error('no tensor data should be read');
    },
  } as unknown as TensorSource & { metadata: Record<string, string> };
}
const withConfig = (config: unknown) => header({ [CONFIG_METADATA_KEY]: JSON.stringify(config) });

beforeAll(() => setBackend('cpu'));

describe('AnyDepth config from checkpoint metadata is validated before allocation', () => {
  it('size fields of the encoder and the decoder are bounded, with the metadata key named', () => {
    const tiny = anyDepthTinyConfig();
    const key = `checkpoint metadata '${CONFIG_METADATA_KEY}'`;
    const cases: [unknown, string][] = [
      [{ ...tiny, encoder: { ...tiny.encoder, embedDim: 65_536 } }, `${key}: DINOv3 config: embedDim 65536 is over the limit of 16384`],
      [{ ...tiny, encoder: { ...tiny.encoder, depth: 1e6 } }, `${key}: DINOv3 config: depth 1000000 is over the limit of 512`],
      [{ ...tiny, fusionChannels: 1e6 }, `${key}: AnyDepth config: fusionChannels 1000000 is over the limit of 4096`],
      [{ ...tiny, layers: [0, 1, 99] }, `${key}: AnyDepth config: layer 99 is outside 0..3`],
      [{ ...tiny, minDepth: -1 }, `${key}: AnyDepth config: minDepth must be a finite number >= 0, got -1`],
      [{}, `${key}: AnyDepth config: the encoder config is missing`],
      [[], `${key}: AnyDepth config: expected an object, got []`],
    ];
    for (const [config, message] of cases) expect(() => configFromCheckpoint(withConfig(config)), message).toThrow(message);
  });

  it('a model over the memory budget is refused (default 8 GiB, raisable), nothing allocated', () => {
    const before = tf.memory().numBytes;
    const huge = { ...anyDepthTinyConfig(), encoder: { ...anyDepthTinyConfig().encoder, embedDim: 8192, numHeads: 64, ffnHiddenDim: 32_768, depth: 64 } };
    expect(() => configFromCheckpoint(withConfig(huge))).toThrow(
      /DINOv3 config: the model needs \d+\.\d GiB of float32 parameters .* over the budget of 8 GiB \(raise it with \{ maxModelBytes \}\)/,
    );
    expect(() => createAnyDepth(anyDepthTinyConfig(), { maxModelBytes: 1_000_000 })).toThrow(/the model needs .* over the budget of 0\.00093 GiB/);
    expect(tf.memory().numBytes).toBe(before);
    expect(configFromCheckpoint(withConfig(anyDepthPreset('anydepth-vitl16'))).encoder.embedDim).toBe(1024);
    expect(configFromCheckpoint(withConfig(anyDepthTinyConfig()), { maxModelBytes: 64 * 2 ** 30 }).fusionChannels).toBe(32);
  });

  it('a config inferred from hostile tensor shapes goes through the same limits', () => {
    const D = 16_384;
    const shapes = {
      'encoder.embeddings.patch_embeddings.weight': [D, 3, 16, 16],
      'encoder.layer.0.mlp.up_proj.weight': [4 * D, D],
      'encoder.layer.63.norm1.weight': [D],
      'encoder.embeddings.register_tokens': [1, 4, D],
      'decoder.weighted_fusion.projections.0.0.weight': [256, D],
      'decoder.weighted_fusion.projections.1.0.weight': [256, D],
      'decoder.weighted_fusion.projections.2.0.weight': [256, D],
      'decoder.weighted_fusion.projections.3.0.weight': [256, D],
    };
    expect(() => configFromCheckpoint(header({}, shapes))).toThrow(/over the budget of 8 GiB/);
  });
});
