import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type HostTensor, SafetensorsFile, StateDictError } from '@anydepth/core';
import { Dinov2VisionTransformer } from '@anydepth/dinov2';
import { createDepthAnythingV2Head } from '@anydepth/dpt';
import { expectClose, fixturePath, readFixtureBytes, setBackend } from '@anydepth/test-utils';
import {
  DepthAnythingV2,
  dav2ConfigFromCheckpoint,
  depthAnythingV2InputSize,
  depthAnythingV2Preset,
  inferDepthAnythingV2,
  loadDepthAnythingV2Weights,
  preprocessDepthAnythingV2,
  resizeBicubic,
} from '../src/index.js';
import { detectDepthAnythingV2Layout } from '../src/internal.js';

const fixture = SafetensorsFile.fromBytes(new Uint8Array(readFileSync(fixturePath('dav2_tiny.safetensors'))), 'dav2_tiny');
const counts = JSON.parse(new TextDecoder().decode(readFixtureBytes('param_counts.json'))).dav2.counts;

/** The fixture's weights renamed to transformers' DepthAnythingForDepthEstimation layout (convert_depth_anything_to_hf's table). */
function toTransformersLayout(): Record<string, HostTensor> {
  const out: Record<string, HostTensor> = {};
  const get = (k: string) => fixture.require(k);
  const d = 64;
  const rows = (t: HostTensor, j: number): HostTensor => ({
    dtype: 'F32',
    shape: [d, ...t.shape.slice(1)],
    data: (t.data as Float32Array).slice(j * d * (t.data.length / (3 * d)), (j + 1) * d * (t.data.length / (3 * d))),
  });
  const enc: Record<string, string> = {
    cls_token: 'embeddings.cls_token',
    mask_token: 'embeddings.mask_token',
    pos_embed: 'embeddings.position_embeddings',
    'patch_embed.proj.weight': 'embeddings.patch_embeddings.projection.weight',
    'patch_embed.proj.bias': 'embeddings.patch_embeddings.projection.bias',
    'norm.weight': 'layernorm.weight',
    'norm.bias': 'layernorm.bias',
  };
  for (const [o, h] of Object.entries(enc)) out[`backbone.${h}`] = get(`pretrained.${o}`);
  for (let i = 0; i < 4; i++) {
    const p = `pretrained.blocks.${i}.`;
    const h = `backbone.encoder.layer.${i}.`;
    const same = ['norm1.weight', 'norm1.bias', 'norm2.weight', 'norm2.bias', 'mlp.fc1.weight', 'mlp.fc1.bias', 'mlp.fc2.weight', 'mlp.fc2.bias'];
    for (const n of same) out[h + n] = get(p + n);
    out[`${h}layer_scale1.lambda1`] = get(`${p}ls1.gamma`);
    out[`${h}layer_scale2.lambda1`] = get(`${p}ls2.gamma`);
    out[`${h}attention.output.dense.weight`] = get(`${p}attn.proj.weight`);
    out[`${h}attention.output.dense.bias`] = get(`${p}attn.proj.bias`);
    ['query', 'key', 'value'].forEach((q, j) => {
      out[`${h}attention.attention.${q}.weight`] = rows(get(`${p}attn.qkv.weight`), j);
      out[`${h}attention.attention.${q}.bias`] = rows(get(`${p}attn.qkv.bias`), j);
    });
  }
  for (let i = 0; i < 4; i++) {
    for (const w of ['weight', 'bias']) {
      out[`neck.reassemble_stage.layers.${i}.projection.${w}`] = get(`depth_head.projects.${i}.${w}`);
      if (i !== 2) out[`neck.reassemble_stage.layers.${i}.resize.${w}`] = get(`depth_head.resize_layers.${i}.${w}`);
    }
    out[`neck.convs.${i}.weight`] = get(`depth_head.scratch.layer${i + 1}_rn.weight`);
  }
  const fusion: Record<number, number> = { 1: 3, 2: 2, 3: 1, 4: 0 };
  for (let k = 1; k <= 4; k++) {
    const o = `depth_head.scratch.refinenet${k}.`;
    const h = `neck.fusion_stage.layers.${fusion[k]}.`;
    for (const w of ['weight', 'bias']) {
      out[`${h}projection.${w}`] = get(`${o}out_conv.${w}`);
      for (const u of [1, 2]) for (const c of [1, 2]) out[`${h}residual_layer${u}.convolution${c}.${w}`] = get(`${o}resConfUnit${u}.conv${c}.${w}`);
    }
  }
  for (const w of ['weight', 'bias']) {
    out[`head.conv1.${w}`] = get(`depth_head.scratch.output_conv1.${w}`);
    out[`head.conv2.${w}`] = get(`depth_head.scratch.output_conv2.0.${w}`);
    out[`head.conv3.${w}`] = get(`depth_head.scratch.output_conv2.2.${w}`);
  }
  return out;
}

describe('Depth Anything V2 model API', () => {
  beforeAll(() => setBackend('cpu'));

  it('infers the tiny configuration from the checkpoint shapes', () => {
    const config = dav2ConfigFromCheckpoint(fixture);
    expect(config).toMatchObject({ features: 16, outChannels: [8, 16, 32, 64], useBn: false, useClsToken: false, layers: [0, 1, 2, 3] });
    expect(config.encoder).toMatchObject({
      embedDim: 64,
      depth: 4,
      numHeads: 2,
      patchSize: 14,
      posEmbedGrid: 37,
      interpolateOffset: 0.1,
      numRegisterTokens: 0,
    });
  });

  // Building ViT-L with random weights would draw 335M numbers; the encoder count is taken from
  // one- and two-block builds of the same config (blocks are identical), the head is built whole.
  for (const [name, key] of [
    ['dav2-vits', 'vits'],
    ['dav2-vitb', 'vitb'],
    ['dav2-vitl', 'vitl'],
  ] as const) {
    it(`${name}: ${counts[key].total.toLocaleString()} parameters (param_counts.json), ${counts[key].n_state_dict} state-dict entries`, () => {
      const config = depthAnythingV2Preset(name);
      const encoderWith = (depth: number) => {
        const e = new Dinov2VisionTransformer({ ...config.encoder, depth, intermediateLayers: [0] });
        const n = [e.numParameters(), Object.keys(e.stateDictShapes()).length];
        e.dispose();
        return n;
      };
      const [p1, s1] = encoderWith(1);
      const [p2, s2] = encoderWith(2);
      const encoder = p1 + (config.encoder.depth - 1) * (p2 - p1);
      const head = createDepthAnythingV2Head(key);
      expect(encoder).toBe(counts[key].pretrained);
      expect(encoder + head.numParameters()).toBe(counts[key].total);
      expect(s1 + (config.encoder.depth - 1) * (s2 - s1) + Object.keys(head.stateDictShapes()).length).toBe(counts[key].n_state_dict);
      head.dispose();
    });
  }

  it('the whole ViT-S model has the same count as the sum of its parts', () => {
    const model = new DepthAnythingV2('dav2-vits');
    expect(model.numParameters()).toBe(counts.vits.total);
    expect(Object.keys(model.stateDictShapes()).length).toBe(counts.vits.n_state_dict);
    model.dispose();
  });

  it('loads the transformers layout (backbone / neck / head) to the same depth', () => {
    const hf = toTransformersLayout();
    expect(Object.keys(hf).length).toBe(127 + 4 * 2 * 2); // qkv weight + bias split in three per block
    expect(detectDepthAnythingV2Layout(Object.keys(hf))).toEqual({ layout: 'hf', prefix: '' });
    const config = dav2ConfigFromCheckpoint(hf);
    expect(config).toEqual(dav2ConfigFromCheckpoint(fixture));
    const model = new DepthAnythingV2(config);
    const report = loadDepthAnythingV2Weights(model, hf);
    expect(report).toMatchObject({ layout: 'hf', prefix: '', unexpected: [] });
    expect(report.encoder.missing).toEqual([]);
    expect(report.head.missing).toEqual([]);
    const image = fixture.tensor('input.b.image_nhwc');
    const depth = model.forward(image);
    expectClose(depth, fixture.require('output.b.depth').data as Float32Array, { atol: 1e-4, label: 'transformers layout, b' });
    tf.dispose([image, depth]);
    model.dispose();
  });

  it('rejects a bad head tensor by its checkpoint name before touching the encoder', () => {
    const hf = toTransformersLayout();
    hf['neck.fusion_stage.layers.0.projection.weight'] = { dtype: 'F32', shape: [16, 8, 1, 1], data: new Float32Array(128) };
    const model = new DepthAnythingV2(dav2ConfigFromCheckpoint(fixture));
    const before = model.pretrained.posEmbed.dataSync().slice();
    expect(() => loadDepthAnythingV2Weights(model, hf)).toThrow(StateDictError);
    expect(() => loadDepthAnythingV2Weights(model, hf)).toThrow(
      /neck\.fusion_stage\.layers\.0\.projection\.weight expected \[16,16,1,1\] but the checkpoint has \[16,8,1,1\]/,
    );
    expect(model.pretrained.posEmbed.dataSync()).toEqual(before);
    const extra = {
      ...hf,
      'neck.fusion_stage.layers.0.projection.weight': fixture.require('depth_head.scratch.refinenet4.out_conv.weight'),
      'extra.thing': hf['head.conv3.bias'],
    };
    expect(() => loadDepthAnythingV2Weights(model, extra)).toThrow(/unexpected 1 tensor\(s\): extra\.thing/);
    expect(() => loadDepthAnythingV2Weights(model, { 'encoder.cls_token': hf['head.conv3.bias'] })).toThrow(/not a Depth Anything V2 checkpoint/);
    model.dispose();
  });

  it('input size follows the official lower-bound resize to multiples of 14', () => {
    expect(depthAnythingV2InputSize(640, 480)).toEqual({ width: 686, height: 518 }); // transformers' expected [1, 518, 686]
    expect(depthAnythingV2InputSize(480, 640)).toEqual({ width: 518, height: 686 });
    expect(depthAnythingV2InputSize(1920, 1080)).toEqual({ width: 924, height: 518 }); // 920.9 → 66 × 14
    expect(depthAnythingV2InputSize(100, 100)).toEqual({ width: 518, height: 518 });
    // np.round rounds halves to even: 679 / 14 = 48.5 → 48 patches (672), 693 / 14 = 49.5 → 50 (700).
    expect(depthAnythingV2InputSize(679, 518)).toEqual({ width: 672, height: 518 });
    expect(depthAnythingV2InputSize(693, 518)).toEqual({ width: 700, height: 518 });
  });

  it('bicubic preprocessing: constant images stay constant, sizes and normalisation as infer_image', () => {
    const grey = tf.fill([30, 40, 3], 124) as tf.Tensor3D; // ≈ ImageNet mean red
    const x = preprocessDepthAnythingV2(grey);
    expect(x.shape).toEqual([1, 518, 686, 3]);
    const v = x.dataSync();
    const expected = [0, 1, 2].map((c) => (124 / 255 - [0.485, 0.456, 0.406][c]) / [0.229, 0.224, 0.225][c]);
    for (let i = 0; i < v.length; i += 997) expect(v[i]).toBeCloseTo(expected[i % 3], 4);
    // Same-size resize is the identity; a 2× upsample of a 2-pixel step overshoots (cubic A = −0.75).
    const step = tf.tensor4d([0, 0, 1, 1], [1, 1, 4, 1]);
    const up = resizeBicubic(step, { width: 8, height: 1 }).dataSync();
    expect(up[2]).toBeLessThan(0); // ringing before the edge
    expect(up[5]).toBeGreaterThan(1);
    tf.dispose([grey, x, step]);
  });

  it('inferDepthAnythingV2 returns depth at the image size', () => {
    const model = new DepthAnythingV2(dav2ConfigFromCheckpoint(fixture));
    loadDepthAnythingV2Weights(model, fixture);
    const rgb = tf.tensor3d(fixture.require('input.a.image_u8_nhwc').data as Uint8Array, [70, 98, 3], 'int32');
    const before = tf.memory().numTensors;
    const depth = inferDepthAnythingV2(model, rgb, { inputSize: 70 });
    expect(depth.shape).toEqual([70, 98]);
    // 70 × 98 is already the network size at inputSize 70: the bicubic resize is the identity, so
    // the result is the fixture's depth (preprocessing done here in fp32 from the u8 pixels).
    expectClose(depth, fixture.require('output.a.depth').data as Float32Array, { atol: 1e-4, label: 'infer a' });
    depth.dispose();
    expect(tf.memory().numTensors).toBe(before);
    rgb.dispose();
    model.dispose();
  });
});
