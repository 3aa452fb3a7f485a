import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type HostTensor, Rng, StateDictError } from '@anydepth/core';
import { expectClose, readFixtureBytes, registerGradients, setBackend } from '@anydepth/test-utils';
import {
  DINOV2_PRESETS,
  Dinov2VisionTransformer,
  bicubicAntialiasWeights,
  bicubicWeights,
  detectDinov2Layout,
  dinov2Config,
  dinov2ParameterCount,
  inferDinov2Config,
  loadDinov2Weights,
} from '../src/index.js';
import { DAV2_TINY_ENCODER, fixture, isFixtureData } from './helpers.js';

const FILE = 'dav2_tiny.safetensors';
const counts = JSON.parse(new TextDecoder().decode(readFixtureBytes('param_counts.json'))).dav2.counts;

/** The fixture's encoder tensors (official names, no prefix). */
function officialTensors(): Record<string, HostTensor> {
  const out: Record<string, HostTensor> = {};
  for (const k of fixture(FILE).keys()) if (k.startsWith('pretrained.')) out[k.slice('pretrained.'.length)] = fixture(FILE).require(k);
  return out;
}

/** The same tensors under transformers' Dinov2Model names, written from convert_depth_anything_to_hf's table. */
function hfTensors(official: Record<string, HostTensor>, depth: number, d: number): Record<string, HostTensor> {
  const rows = (t: HostTensor, from: number, n: number): HostTensor => {
    const size = t.shape.slice(1).reduce((a, b) => a * b, 1);
    return { dtype: 'F32', shape: [n, ...t.shape.slice(1)], data: (t.data as Float32Array).slice(from * size, (from + n) * size) };
  };
  const hf: Record<string, HostTensor> = {
    'embeddings.cls_token': official.cls_token,
    'embeddings.mask_token': official.mask_token,
    'embeddings.position_embeddings': official.pos_embed,
    'embeddings.patch_embeddings.projection.weight': official['patch_embed.proj.weight'],
    'embeddings.patch_embeddings.projection.bias': official['patch_embed.proj.bias'],
    'layernorm.weight': official['norm.weight'],
    'layernorm.bias': official['norm.bias'],
  };
  for (let i = 0; i < depth; i++) {
    const o = (n: string) => official[`blocks.${i}.${n}`];
    const h = `encoder.layer.${i}.`;
    Object.assign(hf, {
      [`${h}layer_scale1.lambda1`]: o('ls1.gamma'),
      [`${h}layer_scale2.lambda1`]: o('ls2.gamma'),
      [`${h}norm1.weight`]: o('norm1.weight'),
      [`${h}norm1.bias`]: o('norm1.bias'),
      [`${h}norm2.weight`]: o('norm2.weight'),
      [`${h}norm2.bias`]: o('norm2.bias'),
      [`${h}mlp.fc1.weight`]: o('mlp.fc1.weight'),
      [`${h}mlp.fc1.bias`]: o('mlp.fc1.bias'),
      [`${h}mlp.fc2.weight`]: o('mlp.fc2.weight'),
      [`${h}mlp.fc2.bias`]: o('mlp.fc2.bias'),
      [`${h}attention.output.dense.weight`]: o('attn.proj.weight'),
      [`${h}attention.output.dense.bias`]: o('attn.proj.bias'),
    });
    ['query', 'key', 'value'].forEach((p, j) => {
      hf[`${h}attention.attention.${p}.weight`] = rows(o('attn.qkv.weight'), j * d, d);
      hf[`${h}attention.attention.${p}.bias`] = rows(o('attn.qkv.bias'), j * d, d);
    });
  }
  return hf;
}

describe('DINOv2 encoder', () => {
  beforeAll(() => setBackend('cpu'));

  it('uses the official state-dict names and shapes', () => {
    const model = new Dinov2VisionTransformer({ ...DAV2_TINY_ENCODER, intermediateLayers: [...DAV2_TINY_ENCODER.intermediateLayers] });
    const shapes = model.stateDictShapes();
    const fixtureShapes = Object.fromEntries(
      fixture(FILE)
        .keys()
        .filter((k) => k.startsWith('pretrained.'))
        .map((k) => [k.slice('pretrained.'.length), fixture(FILE).shapeOf(k)]),
    );
    expect(shapes).toEqual(fixtureShapes);
    expect(shapes['blocks.3.attn.qkv.weight']).toEqual([192, 64]);
    expect(shapes.pos_embed).toEqual([1, 1370, 64]);
    model.dispose();
  });

  it(`ViT-S/14 has ${counts.vits.pretrained.toLocaleString()} parameters (DAv2 'pretrained', pos_embed and mask_token included)`, () => {
    const model = new Dinov2VisionTransformer('vits14', { rng: new Rng(1) });
    expect(model.numParameters()).toBe(counts.vits.pretrained);
    expect(Object.keys(model.stateDictShapes()).length).toBe(3 + 2 + 12 * 14 + 2); // 175, as DAv2-S's 239 minus the head's 64
    model.dispose();
  });

  it('dinov2ParameterCount matches the official counts and the built modules', () => {
    expect(dinov2ParameterCount(DINOV2_PRESETS.vits14)).toBe(counts.vits.pretrained);
    expect(dinov2ParameterCount(DINOV2_PRESETS.vitb14)).toBe(counts.vitb.pretrained);
    expect(dinov2ParameterCount(DINOV2_PRESETS.vitl14)).toBe(counts.vitl.pretrained);
    for (const input of [
      { embedDim: 64, depth: 2, numHeads: 2 },
      { embedDim: 32, depth: 1, numHeads: 2, ffn: 'swiglu' as const, numRegisterTokens: 4, posEmbedGrid: 5 },
    ]) {
      const model = new Dinov2VisionTransformer(input);
      expect(dinov2ParameterCount(model.config)).toBe(model.numParameters());
      model.dispose();
    }
  });

  it('refuses configs a checkpoint cannot mean before allocating (depth from a key name, size budget)', () => {
    const official = officialTensors();
    const bogus: Record<string, HostTensor> = { ...official, 'blocks.99999.norm1.weight': official['norm.weight'] };
    expect(() => inferDinov2Config({ keys: () => Object.keys(bogus), get: (k) => bogus[k] })).toThrow(/depth 100000 is over the limit of 512/);
    expect(() => dinov2Config({ embedDim: 16_384, depth: 512, numHeads: 128 })).toThrow(/GiB of float32 parameters .* over the budget of 8 GiB/);
    expect(() => dinov2Config(DINOV2_PRESETS.vitl14, { maxModelBytes: 2 ** 30 })).toThrow(/over the budget of 1 GiB/);
  });

  it('the presets registry holds the released configurations', () => {
    expect(DINOV2_PRESETS.vitl14).toMatchObject({
      embedDim: 1024,
      depth: 24,
      numHeads: 16,
      patchSize: 14,
      posEmbedGrid: 37,
      intermediateLayers: [4, 11, 17, 23],
    });
    expect(DINOV2_PRESETS.vitb14.intermediateLayers).toEqual([2, 5, 8, 11]);
    expect(DINOV2_PRESETS.vitg14).toMatchObject({ ffn: 'swiglu', ffnHiddenDim: 4096, intermediateLayers: [9, 19, 29, 39] });
    expect(DINOV2_PRESETS.vits14_reg).toMatchObject({ numRegisterTokens: 4, interpolateOffset: 0, interpolateAntialias: true });
    expect(() => dinov2Config({ embedDim: 64, depth: 4, numHeads: 3 })).toThrow(/not divisible by numHeads/);
  });

  it('loads the transformers layout (query/key/value stacked into qkv) to the same features', () => {
    const official = officialTensors();
    const hf = hfTensors(official, 4, 64);
    expect(detectDinov2Layout(Object.keys(hf))).toEqual({ layout: 'hf', prefix: '' });
    const prefixed = Object.fromEntries(Object.entries(hf).map(([k, v]) => [`backbone.${k}`, v]));
    const config = inferDinov2Config({ keys: () => Object.keys(prefixed), get: (k) => prefixed[k] }, { numHeads: 2 });
    expect(config).toMatchObject({ embedDim: 64, depth: 4, numHeads: 2, patchSize: 14, posEmbedGrid: 37, numRegisterTokens: 0, interpolateOffset: 0.1 });
    const model = new Dinov2VisionTransformer({ ...config, intermediateLayers: [0, 1, 2, 3] });
    const report = loadDinov2Weights(model, prefixed);
    expect(report).toMatchObject({ layout: 'hf', prefix: 'backbone.', missing: [], unexpected: [] });
    const image = fixture(FILE).tensor('input.a.image_nhwc');
    const feats = model.getIntermediateLayers(image);
    feats.forEach((f, i) => expectClose(f.patches, fixture(FILE).require(`debug.a.feat.block${i}.tokens`).data as Float32Array, { atol: 1e-4 }));
    tf.dispose([image, ...feats.flatMap((f) => [f.patches, f.cls!, f.registers])]);
    model.dispose();
  });

  it('rejects a wrong shape naming the checkpoint tensor, and leaves the model unchanged', () => {
    const model = new Dinov2VisionTransformer({ ...DAV2_TINY_ENCODER, intermediateLayers: [0, 1, 2, 3] });
    const before = model.posEmbed.dataSync().slice();
    const hf = hfTensors(officialTensors(), 4, 64);
    hf['encoder.layer.2.attention.attention.key.weight'] = { dtype: 'F32', shape: [32, 64], data: new Float32Array(32 * 64) };
    expect(() => loadDinov2Weights(model, hf)).toThrow(StateDictError);
    expect(() => loadDinov2Weights(model, hf)).toThrow(
      /encoder\.layer\.2\.attention\.attention\.query\.weight \+ encoder\.layer\.2\.attention\.attention\.key\.weight \+ encoder\.layer\.2\.attention\.attention\.value\.weight expected \[192,64\] but the checkpoint has \[160,64\]/,
    );
    expect(model.posEmbed.dataSync()).toEqual(before);
    const official = officialTensors();
    delete official['blocks.1.ls2.gamma'];
    expect(() => loadDinov2Weights(model, official)).toThrow(/missing 1 tensor\(s\): blocks\.1\.ls2\.gamma/);
    expect(() => loadDinov2Weights(model, { 'encoder.weight': official.cls_token })).toThrow(/no DINOv2 tensors found/);
    model.dispose();
  });

  it('returns the stored table for the 37×37 grid (the official shortcut) and rejects sides that are not multiples of 14', () => {
    const model = new Dinov2VisionTransformer({ ...DAV2_TINY_ENCODER, intermediateLayers: [0, 1, 2, 3] });
    loadDinov2Weights(model, fixture(FILE), { prefix: 'pretrained.', ignore: isFixtureData });
    const pos = model.positionEmbedding(37, 37);
    expect(pos.dataSync()).toEqual(model.posEmbed.dataSync());
    pos.dispose();
    const bad = tf.zeros([1, 70, 100, 3]);
    expect(() => model.getIntermediateLayers(bad, [0])).toThrow(/multiples of the patch size 14, got 70×100/);
    expect(() => model.getIntermediateLayers(tf.zeros([1, 70, 98, 3]), [4])).toThrow(/layer 4 is outside 0\.\.3/);
    bad.dispose();
    model.dispose();
  });

  it('register tokens sit between cls and patches, without positions (DINOv2-reg)', () => {
    const config = dinov2Config({
      embedDim: 32,
      depth: 2,
      numHeads: 2,
      numRegisterTokens: 4,
      interpolateOffset: 0,
      interpolateAntialias: true,
      posEmbedGrid: 6,
    });
    const model = new Dinov2VisionTransformer(config, { rng: new Rng(3) });
    const image = tf.randomNormal([2, 28, 42, 3], 0, 1, 'float32', 5);
    const tokens = model.prepareTokens(image); // [2, 1 + 4 + 6, 32]
    expect(tokens.shape).toEqual([2, 11, 32]);
    expectClose(tf.slice(tokens, [1, 1, 0], [1, 4, 32]), model.registerTokens!, { atol: 0 });
    const feats = model.getIntermediateLayers(image, [0, 1], { returnClassToken: false });
    expect(feats[1].patches.shape).toEqual([2, 2, 3, 32]);
    expect(feats[1].registers.shape).toEqual([2, 4, 32]);
    expect(feats[1].cls).toBeUndefined();
    tf.dispose([image, tokens, ...feats.flatMap((f) => [f.patches, f.registers])]);
    model.dispose();
  });

  it('is cut from the gradient tape when frozen: zero gradient to the image', async () => {
    await registerGradients();
    const model = new Dinov2VisionTransformer({ embedDim: 32, depth: 1, numHeads: 2, posEmbedGrid: 4 }, { rng: new Rng(4) });
    expect(model.frozen).toBe(true);
    const image = tf.randomNormal([1, 28, 28, 3], 0, 1, 'float32', 6);
    const g = tf.grad((x: tf.Tensor) => tf.sum(model.getIntermediateLayers(x, [0])[0].patches))(image);
    expect(Math.max(...g.dataSync().map(Math.abs))).toBe(0);
    tf.dispose([image, g]);
    model.dispose();
  });
});

describe('PyTorch bicubic resampling weights', () => {
  it('plain kernel: rows sum to 1, identity at equal sizes, Keys A = -0.75 weights at a hand-computed point', () => {
    const w = bicubicWeights({ inSize: 37, outSize: 9, scaleFactor: 9.1 / 37 });
    for (let o = 0; o < 9; o++) expect(w.slice(o * 37, (o + 1) * 37).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    const eye = bicubicWeights({ inSize: 5, outSize: 5 });
    expect([...eye]).toEqual([...Array(25)].map((_, i) => (i % 6 === 0 ? 1 : 0)));
    // 8 → 20: output 4 samples src = 4.5 / 2.5 − 0.5 = 1.3, so taps 0..3 at distances 1.3, 0.3, 0.7, 1.7:
    // W(1.3) = −0.11025, W(0.3) = 0.83125, W(0.7) = 0.32625, W(1.7) = −0.04725 (A = −0.75).
    const up = bicubicWeights({ inSize: 8, outSize: 20 });
    const row = [...up.slice(4 * 8, 5 * 8)];
    [-0.11025, 0.83125, 0.32625, -0.04725, 0, 0, 0, 0].forEach((v, i) => expect(row[i]).toBeCloseTo(v, 5)); // float32 index arithmetic
    // Border taps are clamped: output 0 (src −0.3, t = 0.7) puts taps −2, −1, 0 on index 0 and W(1.3) on index 1.
    expect(up[1]).toBeCloseTo(-0.11025, 5);
    expect(up[0]).toBeCloseTo(1.11025, 5);
  });

  it('the scale factor, not in/out, sets the sampling positions (interpolate_offset 0.1)', () => {
    const withFactor = bicubicWeights({ inSize: 37, outSize: 5, scaleFactor: 5.1 / 37 });
    const bySize = bicubicWeights({ inSize: 37, outSize: 5 });
    expect(Math.max(...withFactor.map((v, i) => Math.abs(v - bySize[i])))).toBeGreaterThan(1e-2);
  });

  it('antialiased kernel: normalised, support widened by the shrink factor', () => {
    const w = bicubicAntialiasWeights({ inSize: 37, outSize: 9, antialias: true });
    for (let o = 0; o < 9; o++) {
      const row = w.slice(o * 37, (o + 1) * 37);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
      expect(row.filter((v) => v !== 0).length).toBeGreaterThan(8); // 4 taps × 37/9 ≈ 16 wide
    }
  });
});
