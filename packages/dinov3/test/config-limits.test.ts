import * as tf from '@tensorflow/tfjs-core';
import type { TensorSource } from '@anydepth/core';
import { setBackend } from '@anydepth/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import { DINOV3_PRESETS, configFromHf, dinov3Config, dinov3ParameterCount, inferConfig } from '../src/index.js';
import { buildPretrained } from '../src/internal.js';

/** A TensorSource that announces shapes but holds no data: what a hostile checkpoint header costs to read. */
function shapesOnly(shapes: Record<string, number[]>): TensorSource {
  return {
    keys: () => Object.keys(shapes),
    shapeOf: (k: string) => shapes[k],
    get: () => {
      throw new Error('no tensor data should be read');
    },
  } as unknown as TensorSource;
}

beforeAll(() => setBackend('cpu'));

describe('DINOv3 config sanity limits (before any allocation)', () => {
  it('a 118-byte config.json asking for a multi-GB model is refused by configFromHf with the budget named', () => {
    const json = '{"model_type":"dinov3_vit","hidden_size":8192,"num_hidden_layers":64,"num_attention_heads":64}';
    expect(json.length).toBeLessThanOrEqual(118);
    expect(() => configFromHf(JSON.parse(json))).toThrow(
      /^DINOv3 config: the model needs \d+\.\d GiB of float32 parameters \(\d+ parameters\), over the budget of 8 GiB \(raise it with \{ maxModelBytes \}\)$/,
    );
  });

  it('each size field is bounded with a clear message', () => {
    const base = { model_type: 'dinov3_vit', hidden_size: 128, num_hidden_layers: 4, num_attention_heads: 2 };
    const cases: [Record<string, number>, string][] = [
      [{ hidden_size: 65_536, num_attention_heads: 16 }, 'DINOv3 config: embedDim 65536 is over the limit of 16384'],
      [{ num_hidden_layers: 100_000 }, 'DINOv3 config: depth 100000 is over the limit of 512'],
      [{ num_attention_heads: 1024, hidden_size: 4096 }, 'DINOv3 config: numHeads 1024 is over the limit of 512'],
      [{ intermediate_size: 1e7 }, 'DINOv3 config: ffnHiddenDim 10000000 is over the limit of 131072'],
      [{ num_register_tokens: 1e9 }, 'DINOv3 config: numRegisterTokens 1000000000 is over the limit of 1024'],
      [{ patch_size: 100_000 }, 'DINOv3 config: patchSize 100000 is over the limit of 256'],
      [{ num_channels: 5000 }, 'DINOv3 config: inChannels 5000 is over the limit of 64'],
    ];
    for (const [over, message] of cases) expect(() => configFromHf({ ...base, ...over }), message).toThrow(message);
  });

  it('the budget can be lowered or raised; the released presets fit the default', () => {
    const tiny = { model_type: 'dinov3_vit', hidden_size: 128, num_hidden_layers: 4, num_attention_heads: 2 };
    const params = dinov3ParameterCount(configFromHf(tiny));
    expect(params).toBeGreaterThan(700_000);
    expect(() => configFromHf(tiny, { maxModelBytes: 1_000_000 })).toThrow(/over the budget of 0\.00093 GiB/);
    const big = { ...tiny, hidden_size: 4096, num_hidden_layers: 40, num_attention_heads: 32, intermediate_size: 16_384 };
    expect(() => configFromHf(big)).toThrow(/over the budget of 8 GiB/);
    expect(configFromHf(big, { maxModelBytes: 64 * 2 ** 30 }).embedDim).toBe(4096);
    for (const preset of Object.values(DINOV3_PRESETS)) expect(dinov3ParameterCount(preset) * 4).toBeLessThan(8 * 2 ** 30);
    // The ViT-S/16 count matches the released checkpoint (21.6 M parameters).
    expect(dinov3ParameterCount(DINOV3_PRESETS.vits16)).toBeGreaterThan(21_500_000);
    expect(dinov3ParameterCount(DINOV3_PRESETS.vits16)).toBeLessThan(21_700_000);
  });

  it('shapes inferred from a checkpoint header go through the same limits, before any tensor is allocated', () => {
    const D = 16_384;
    const hostile = shapesOnly({
      'embeddings.cls_token': [1, 1, D],
      'embeddings.register_tokens': [1, 4, D],
      'embeddings.patch_embeddings.weight': [D, 3, 16, 16],
      'layer.0.mlp.up_proj.weight': [4 * D, D],
      'layer.63.norm1.weight': [D],
    });
    const before = tf.memory().numBytes;
    expect(() => inferConfig(hostile)).toThrow(/^DINOv3 config: the model needs \d+\.\d GiB of float32 parameters.*over the budget of 8 GiB/);
    expect(() => buildPretrained(hostile, null)).toThrow(/over the budget of 8 GiB/);
    expect(() => buildPretrained(hostile, null, { config: { ...dinov3Config({ embedDim: 128, depth: 4, numHeads: 2 }), depth: 10_000 } })).toThrow(
      'DINOv3 config: depth 10000 is over the limit of 512',
    );
    expect(tf.memory().numBytes).toBe(before);
  });
});
