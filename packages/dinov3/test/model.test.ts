import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { StateDictError } from '@anydepth/core';
import { fixturePath, registerGradients, setBackend } from '@anydepth/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DINOV3_PRESETS,
  DinoVisionTransformer,
  configFromHf,
  configToHf,
  countParameters,
  dinov3Config,
  hubStateDictShapes,
  inferConfig,
  loadDinov3Weights,
  setAttentionStrategy,
  toHubStateDict,
} from '../src/index.js';
import { TINY, fixture, isFixtureData } from './helpers.js';

beforeAll(() => setBackend('cpu'));

const counts = JSON.parse(readFileSync(fixturePath('param_counts.json'), 'utf8'));

describe('presets and parameter counts', () => {
  it('presets have the spec hyper-parameters', () => {
    expect(DINOV3_PRESETS.vits16).toMatchObject({
      embedDim: 384,
      depth: 12,
      numHeads: 6,
      ffn: 'mlp',
      ffnHiddenDim: 1536,
      numRegisterTokens: 4,
      layerNormEps: 1e-5,
      ropeBase: 100,
      intermediateLayers: [2, 5, 8, 11],
    });
    expect(DINOV3_PRESETS.vitb16).toMatchObject({ embedDim: 768, depth: 12, numHeads: 12, ffnHiddenDim: 3072, intermediateLayers: [2, 5, 8, 11] });
    expect(DINOV3_PRESETS.vitl16).toMatchObject({ embedDim: 1024, depth: 24, numHeads: 16, ffnHiddenDim: 4096, intermediateLayers: [4, 11, 17, 23] });
    // SwiGLU width = int(D·6·2/3) aligned to 8 (DINOV3:dinov3/layers/ffn_layers.py).
    expect(DINOV3_PRESETS.vits16plus).toMatchObject({ embedDim: 384, depth: 12, numHeads: 6, ffn: 'swiglu', ffnHiddenDim: 1536 });
    expect(DINOV3_PRESETS.vith16plus).toMatchObject({
      embedDim: 1280,
      depth: 32,
      numHeads: 20,
      ffn: 'swiglu',
      ffnHiddenDim: 5120,
      intermediateLayers: [7, 15, 23, 31],
    });
  });

  for (const name of ['vits16', 'vitb16', 'vitl16'] as const) {
    it(`${name}: HF and torch-hub parameter counts equal param_counts.json`, () => {
      const model = new DinoVisionTransformer(name);
      const want = counts.dinov3_vit[name];
      expect(model.numParameters()).toBe(want.params_hf);
      expect(countParameters(model, 'hf')).toBe(want.params_hf);
      expect(countParameters(model, 'hub')).toBe(want.params_original);
      const hub = hubStateDictShapes(model);
      expect(Object.keys(hub.parameters).length + Object.keys(hub.buffers).length).toBe(want.n_state_dict_original);
      expect(model.trainableParameters().length).toBe(0); // frozen by default
      model.dispose();
    });
  }

  it('tiny fixture module count (torch-hub names)', () => {
    const model = new DinoVisionTransformer(TINY);
    expect(countParameters(model, 'hub')).toBe(counts.tiny_fixture_modules.dinov3_tiny);
    model.dispose();
  });

  it('SwiGLU model: hub names w1/w2/w3 round-trip', () => {
    const model = new DinoVisionTransformer({ ...TINY, ffn: 'swiglu' });
    const names = Object.keys(hubStateDictShapes(model).parameters);
    expect(names).toContain('blocks.0.mlp.w1.weight');
    expect(names).toContain('blocks.3.mlp.w3.bias');
    const hub = toHubStateDict(model);
    const copy = new DinoVisionTransformer({ ...TINY, ffn: 'swiglu' });
    expect(loadDinov3Weights(copy, hub).scheme).toBe('hub');
    const a = model.stateDict();
    const b = copy.stateDict();
    for (const k of Object.keys(a)) expect(Array.from(b[k].dataSync())).toEqual(Array.from(a[k].dataSync()));
    tf.dispose([...Object.values(hub), ...Object.values(a), ...Object.values(b)]);
    model.dispose();
    copy.dispose();
  });
});

describe('config inference from tensor shapes', () => {
  it('reads depth, width, FFN type and registers under both naming schemes', () => {
    const model = new DinoVisionTransformer({ embedDim: 128, depth: 3, numHeads: 2, ffn: 'swiglu', ffnHiddenDim: 344, numRegisterTokens: 2 });
    const hf = model.stateDict();
    const hub = toHubStateDict(model);
    for (const sd of [hf, hub]) {
      expect(inferConfig({ keys: () => Object.keys(sd), get: (k) => sd[k] }, undefined)).toMatchObject({
        embedDim: 128,
        depth: 3,
        numHeads: 2,
        ffn: 'swiglu',
        ffnHiddenDim: 344,
        numRegisterTokens: 2,
        patchSize: 16,
      });
    }
    tf.dispose([...Object.values(hf), ...Object.values(hub)]);
    model.dispose();
  });
});

describe('HF config.json mapping', () => {
  it('maps the vitb16 config.json fields', () => {
    const c = configFromHf({
      model_type: 'dinov3_vit',
      hidden_size: 768,
      intermediate_size: 3072,
      num_hidden_layers: 12,
      num_attention_heads: 12,
      patch_size: 16,
      num_register_tokens: 4,
      layer_norm_eps: 1e-5,
      layerscale_value: 1.0,
      rope_theta: 100.0,
      query_bias: true,
      key_bias: false,
      value_bias: true,
      proj_bias: true,
      mlp_bias: true,
      use_gated_mlp: false,
      hidden_act: 'gelu',
    });
    expect(c).toMatchObject({ ...DINOV3_PRESETS.vitb16, layerScaleInit: 1 });
    expect(configFromHf({ hidden_size: 384, num_hidden_layers: 12, num_attention_heads: 6, intermediate_size: 1536, use_swiglu_ffn: true }).ffn).toBe('swiglu');
    expect(configFromHf(configToHf(DINOV3_PRESETS.vith16plus))).toMatchObject({ ...DINOV3_PRESETS.vith16plus, layerScaleInit: expect.any(Number) });
    expect(() => configFromHf({ hidden_size: 384 })).toThrow(/num_hidden_layers/);
  });
});

describe('bad input', () => {
  it('rejects sides that are not multiples of 16, or centre-pads them when asked', () => {
    const model = new DinoVisionTransformer(TINY);
    loadDinov3Weights(model, fixture('anydepth_tiny.safetensors'), { prefix: 'encoder.', ignore: (k) => !k.startsWith('encoder.') });
    const image = fixture('anydepth_tiny.safetensors').tensor('input.c.image_nhwc'); // [1, 60, 90, 3]
    expect(() => model.getIntermediateLayers(image)).toThrow(/multiples of the patch size 16, got 60×90.*64×96/);
    const padded = model.getIntermediateLayers(image, { pad: 'center', layers: [3] });
    expect(padded[0].patches.shape).toEqual([1, 4, 6, 128]);
    // Same as padding by hand: top 2 / bottom 2, left 3 / right 3 (AnyDepth CenterPadding).
    const manual = tf.pad(image as tf.Tensor4D, [
      [0, 0],
      [2, 2],
      [3, 3],
      [0, 0],
    ]);
    const ref = model.getIntermediateLayers(manual, { layers: [3] });
    expect(Array.from(padded[0].patches.dataSync())).toEqual(Array.from(ref[0].patches.dataSync()));
    expect(() => model.forward(tf.zeros([1, 32, 32]))).toThrow(/NHWC image \[B, H, W, 3\]/);
    tf.dispose([image, manual, ...padded.flatMap(Object.values), ...ref.flatMap(Object.values)]);
    model.dispose();
  });

  it('a wrong-size checkpoint names the first mismatched tensor and both shapes (hub and HF names)', () => {
    const wrong = new DinoVisionTransformer({ embedDim: 64, depth: 4, numHeads: 2 });
    expect(() => loadDinov3Weights(wrong, fixture('dinov3_tiny.safetensors'), { ignore: isFixtureData })).toThrow(
      /loadDinov3Weights \(torch-hub names\): shape mismatch .*: cls_token expected \[1,1,64\] but the checkpoint has \[1,1,128\]/,
    );
    try {
      loadDinov3Weights(wrong, fixture('dinov3_tiny.safetensors'), { ignore: isFixtureData });
    } catch (e) {
      expect(e).toBeInstanceOf(StateDictError);
      const qkv = (e as StateDictError).report.mismatched.find((m) => m.name === 'blocks.0.attn.qkv.weight');
      expect(qkv).toEqual({ name: 'blocks.0.attn.qkv.weight', expected: [192, 64], got: [384, 128] });
    }
    expect(() => loadDinov3Weights(wrong, fixture('anydepth_tiny.safetensors'), { ignore: (k) => !k.startsWith('encoder.') })).toThrow(
      /loadDinov3Weights \(Hugging Face names\): shape mismatch .*: encoder\.embeddings\.cls_token expected \[1,1,64\] but the checkpoint has \[1,1,128\]/,
    );
    wrong.dispose();
  });

  it('missing blocks are reported under the checkpoint names; unmasked K bias is refused', () => {
    const model = new DinoVisionTransformer({ ...TINY, depth: 5 });
    expect(() => loadDinov3Weights(model, fixture('dinov3_tiny.safetensors'), { ignore: isFixtureData })).toThrow(/missing .*blocks\.4\.attn\.qkv\.weight/);
    model.dispose();
    const tiny = new DinoVisionTransformer(TINY);
    const f = fixture('dinov3_tiny.safetensors');
    const noMask = {
      keys: () => f.keys().filter((k) => !k.endsWith('bias_mask') && !isFixtureData(k)),
      get: (k: string) => f.get(k),
      shapeOf: (k: string) => f.shapeOf(k),
    };
    expect(() => loadDinov3Weights(tiny, noMask)).toThrow(/non-zero K bias/);
    const before = tiny.stateDict();
    expect(() => loadDinov3Weights(tiny, noMask)).toThrow();
    const after = tiny.stateDict();
    expect(Array.from(after['norm.weight'].dataSync())).toEqual(Array.from(before['norm.weight'].dataSync())); // nothing assigned
    tf.dispose([...Object.values(before), ...Object.values(after)]);
    tiny.dispose();
  });

  it('rejects a RoPE base that does not match rope_embed.periods', () => {
    const model = new DinoVisionTransformer({ ...TINY, ropeBase: 10000 });
    expect(() => loadDinov3Weights(model, fixture('dinov3_tiny.safetensors'), { ignore: isFixtureData })).toThrow(
      /rope_embed\.periods does not match RoPE base 10000/,
    );
    model.dispose();
  });

  it('rejects inconsistent configs', () => {
    expect(() => dinov3Config({ embedDim: 100, depth: 2, numHeads: 3 })).toThrow(/divisible by 4·numHeads/);
    expect(() => dinov3Config({ embedDim: 128, depth: 2, numHeads: 2, intermediateLayers: [2] })).toThrow(/outside 0..1/);
  });
});

describe('frozen encoder', () => {
  it('has no trainable parameters and passes no gradient to the image', async () => {
    await registerGradients();
    const model = new DinoVisionTransformer(TINY);
    loadDinov3Weights(model, fixture('dinov3_tiny.safetensors'), { ignore: isFixtureData });
    expect(model.trainableParameters()).toHaveLength(0);
    const image = fixture('dinov3_tiny.safetensors').tensor('input.b.image_nhwc');
    const g = tf.grad((x: tf.Tensor) => {
      const outs = model.getIntermediateLayers(x);
      return tf.addN(outs.map((o) => tf.sum(o.patches))) as tf.Scalar;
    })(image);
    expect(tf.max(tf.abs(g)).dataSync()[0]).toBe(0);
    // Unfrozen, the gradient flows (so the zero above comes from freezing, not from the graph).
    model.requiresGrad(true);
    const g2 = tf.grad((x: tf.Tensor) => tf.sum(model.forward(x)) as tf.Scalar)(image);
    expect(tf.max(tf.abs(g2)).dataSync()[0]).toBeGreaterThan(0);
    tf.dispose([image, g, g2]);
    model.dispose();
  });
});

describe('memory', () => {
  it('numTensors stays flat across 50 forward passes', () => {
    const model = new DinoVisionTransformer(TINY);
    const image = tf.randomNormal([2, 32, 48, 3]);
    const run = (i: number) => {
      if (i % 2) {
        model.forward(image).dispose();
        return;
      }
      const outs = model.getIntermediateLayers(image, { norm: i % 4 === 0 });
      tf.dispose(outs.flatMap((o) => [o.patches, o.cls, o.registers]));
    };
    run(0);
    run(1);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 50; i++) run(i);
    expect(tf.memory().numTensors).toBe(before);
    image.dispose();
    model.dispose();
  });
});

describe('attention strategies', () => {
  it('per-head 2-D matMuls (used on wasm) equal the batched matMul over heads', () => {
    const model = new DinoVisionTransformer(TINY);
    loadDinov3Weights(model, fixture('dinov3_tiny.safetensors'), { ignore: isFixtureData });
    const image = fixture('dinov3_tiny.safetensors').tensor('input.b.image_nhwc');
    setAttentionStrategy('batched');
    const a = model.forward(image);
    setAttentionStrategy('per-head');
    const b = model.forward(image);
    setAttentionStrategy('auto');
    expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBeLessThan(1e-5);
    tf.dispose([image, a, b]);
    model.dispose();
  });
});
