import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostTensor } from '@anydepth/core';
import { openCheckpoint } from '@anydepth/core/node';
import { DepthAnythingV2, dav2ConfigFromCheckpoint, loadDepthAnythingV2Weights } from '@anydepth/model';
import { hfToOfficialHeadName } from '@anydepth/model/internal';
import { createDepthEstimator } from '@anydepth/model/node';
import { expectClose, setBackend } from '@anydepth/test-utils';
import { type OnnxTensorSource, exportOnnx, onnxTensorSource, registerOnnxCheckpointReader } from '../src/index.js';
import { readOnnxFile } from '../src/node.js';
import { type OnnxTypes, onnx } from '../src/proto.js';
import { openFixture } from './helpers.js';

const fixture = openFixture('dav2_tiny.safetensors');
const UNUSED = [
  'pretrained.mask_token',
  ...['conv1', 'conv2'].flatMap((c) => ['weight', 'bias'].map((p) => `depth_head.scratch.refinenet4.resConfUnit1.${c}.${p}`)),
];

/** The fixture model's depth on image `key` ([B, H, W] data), for a model loaded some other way. */
function depthOf(model: DepthAnythingV2, key: string): tf.Tensor {
  return tf.tidy(() => tf.squeeze(model.forward(fixture.tensor(`input.${key}.image_nhwc`)), [3]));
}

function rawImage(key: string) {
  const t = fixture.require(key);
  const [, height, width] = t.shape;
  return { data: t.data as Uint8Array, width, height, channels: 3 as const };
}

describe('Depth Anything V2 ONNX round trip (dav2_tiny fixture weights)', () => {
  let original: DepthAnythingV2;
  let bytes: Uint8Array;
  beforeAll(async () => {
    await setBackend('cpu');
    registerOnnxCheckpointReader();
    original = new DepthAnythingV2(dav2ConfigFromCheckpoint(fixture, { numHeads: 2 }));
    loadDepthAnythingV2Weights(original, fixture);
    bytes = exportOnnx(original, { dynamicAxes: true }).model;
  });
  afterAll(() => original.dispose());

  it('the exported file loads back through onnxTensorSource / readOnnxFile into a DepthAnythingV2 and gives the fixture depth within 1e-4', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dav2-onnx-'));
    writeFileSync(join(dir, 'dav2.onnx'), bytes);
    for (const source of [onnxTensorSource(bytes), readOnnxFile(join(dir, 'dav2.onnx'))]) {
      expect(source.unnamed).toEqual([]);
      const config = dav2ConfigFromCheckpoint(source, { numHeads: 2 });
      expect(config).toEqual(original.config);
      const model = new DepthAnythingV2(config);
      const report = loadDepthAnythingV2Weights(model, source, { strict: false });
      // What the graph never reads is not in the file, as in a PyTorch export.
      const missing = [...report.encoder.missing, ...report.head.missing];
      expect(missing).toHaveLength(UNUSED.length);
      expect(missing.every((k) => UNUSED.some((u) => u.endsWith(k)))).toBe(true);
      expect(report.head.unexpected.length + report.encoder.unexpected.length + report.unexpected.length).toBe(0);
      for (const key of ['a', 'b']) {
        const depth = depthOf(model, key);
        expectClose(depth, fixture.tensor(`output.${key}.depth`), { atol: 1e-4, label: `reloaded from ONNX (${key})` });
        depth.dispose();
      }
      model.dispose();
    }
  });

  it('with includeUnusedWeights the file holds the whole state dict and loads strictly', () => {
    const full = onnxTensorSource(exportOnnx(original, { inputShape: [1, 3, 70, 98], includeUnusedWeights: true }).model);
    const model = new DepthAnythingV2(original.config);
    const report = loadDepthAnythingV2Weights(model, full);
    expect(report.encoder.missing.length + report.head.missing.length).toBe(0);
    const depth = depthOf(model, 'a');
    expectClose(depth, fixture.tensor('output.a.depth'), { atol: 1e-4, label: 'strict reload' });
    tf.dispose(depth);
    model.dispose();
  });

  it('createDepthEstimator takes the .onnx file (format from the bytes, config from its metadata) and gives the fixture depth within 1e-4', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dav2-onnx-est-'));
    const path = join(dir, 'weights.bin'); // no .onnx extension: the format comes from the bytes
    writeFileSync(path, bytes);
    const opened = await openCheckpoint(path);
    expect(opened.format).toBe('onnx');
    opened.close();
    const estimator = await createDepthEstimator(path);
    expect(estimator.family).toBe('depth-anything-v2');
    expect(estimator.config).toMatchObject({ features: 16, outChannels: [8, 16, 32, 64], encoder: { embedDim: 64, depth: 4, numHeads: 2 } });
    const before = tf.memory().numTensors;
    const a = await estimator.estimate(rawImage('input.a.image_u8_nhwc'), { size: 70 });
    expectClose(a.disparity, fixture.require('output.a.depth').data as Float32Array, { atol: 1e-4, label: 'estimator from ONNX' });
    expect(tf.memory().numTensors).toBe(before);
    estimator.dispose();
  });

  it('an ONNX file that lacks a tensor inference reads is refused, naming it', async () => {
    const proto = onnx.ModelProto.decode(bytes);
    proto.graph!.initializer = proto.graph!.initializer!.filter((t) => t.name !== 'depth_head.scratch.output_conv1.bias');
    await expect(createDepthEstimator(onnx.ModelProto.encode(proto).finish())).rejects.toThrow(/depth_head\.scratch\.output_conv1\.bias/);
  });
});

/** Official DINOv2 / DAv2 names → transformers `DepthAnythingForDepthEstimation` names (q, k, v split). */
function toTransformers(name: string, t: HostTensor, heads: string[]): Array<[string, HostTensor]> {
  const simple: Record<string, string> = {
    'pretrained.cls_token': 'backbone.embeddings.cls_token',
    'pretrained.pos_embed': 'backbone.embeddings.position_embeddings',
    'pretrained.patch_embed.proj.weight': 'backbone.embeddings.patch_embeddings.projection.weight',
    'pretrained.patch_embed.proj.bias': 'backbone.embeddings.patch_embeddings.projection.bias',
    'pretrained.norm.weight': 'backbone.layernorm.weight',
    'pretrained.norm.bias': 'backbone.layernorm.bias',
  };
  if (simple[name]) return [[simple[name], t]];
  const m = /^pretrained\.blocks\.(\d+)\.(.+)$/.exec(name);
  if (m) {
    const layer = `backbone.encoder.layer.${m[1]}`;
    const qkv = /^attn\.qkv\.(weight|bias)$/.exec(m[2]);
    if (qkv) {
      const rows = t.shape[0] / 3;
      const per = (t.data as Float32Array).length / 3;
      return ['query', 'key', 'value'].map((p, i) => [
        `${layer}.attention.attention.${p}.${qkv[1]}`,
        { dtype: 'F32', shape: [rows, ...t.shape.slice(1)], data: (t.data as Float32Array).slice(i * per, (i + 1) * per) },
      ]);
    }
    const rest = m[2].replace(/^attn\.proj\./, 'attention.output.dense.').replace(/^ls([12])\.gamma$/, 'layer_scale$1.lambda1');
    return [[`${layer}.${rest}`, t]];
  }
  const head = heads.find((h) => `depth_head.${hfToOfficialHeadName(h)}` === name);
  if (!head) throw new Error(`no transformers name for ${name}`);
  return [[head, t]];
}

/** Every transformers head tensor name of a 4-layer DAv2 head without BatchNorm or cls readout. */
function transformersHeadNames(): string[] {
  const names: string[] = [];
  const wb = (p: string) => names.push(`${p}.weight`, `${p}.bias`);
  for (let i = 0; i < 4; i++) {
    wb(`neck.reassemble_stage.layers.${i}.projection`);
    if (i !== 2) wb(`neck.reassemble_stage.layers.${i}.resize`);
    names.push(`neck.convs.${i}.weight`);
    wb(`neck.fusion_stage.layers.${i}.projection`);
    for (const r of [1, 2]) for (const c of [1, 2]) wb(`neck.fusion_stage.layers.${i}.residual_layer${r}.convolution${c}`);
  }
  for (const c of [1, 2, 3]) wb(`head.conv${c}`);
  return names;
}

/**
 * An ONNX file laid out like `onnx-community/depth-anything-v2-small`: initializers under transformers
 * names, every backbone Linear weight constant-folded into an anonymous `onnx::MatMul_<n>` operand
 * stored [in, out] whose MatMul feeds an Add with the (named) bias, plus a generated constant.
 */
function transformersStyleOnnx(source: OnnxTensorSource): Uint8Array {
  const heads = transformersHeadNames();
  const initializer: OnnxTypes.ITensorProto[] = [];
  const node: OnnxTypes.INodeProto[] = [];
  const put = (name: string, t: HostTensor) =>
    initializer.push({ name, dims: [...t.shape], dataType: 1, rawData: new Uint8Array((t.data as Float32Array).slice().buffer) });
  let n = 100;
  for (const key of source.keys()) {
    for (const [name, t] of toTransformers(key, source.get(key)!, heads)) {
      const folded = /^backbone\.encoder\.layer\.\d+\.(attention\.attention\.(query|key|value)|attention\.output\.dense|mlp\.fc[12])\.weight$/.test(name);
      if (!folded) {
        put(name, t);
        continue;
      }
      const [out, inp] = t.shape;
      const transposed = new Float32Array(out * inp);
      const d = t.data as Float32Array;
      for (let o = 0; o < out; o++) for (let i = 0; i < inp; i++) transposed[i * out + o] = d[o * inp + i];
      const anon = `onnx::MatMul_${n++}`;
      put(anon, { dtype: 'F32', shape: [inp, out], data: transposed });
      node.push({ opType: 'MatMul', input: [`x_${anon}`, anon], output: [`mm_${anon}`] });
      node.push({ opType: 'Add', input: [name.replace(/\.weight$/, '.bias'), `mm_${anon}`], output: [`y_${anon}`] });
    }
  }
  put('onnx::Mul_7', { dtype: 'F32', shape: [1], data: new Float32Array([0.5]) });
  const model: OnnxTypes.IModelProto = {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: 'pytorch',
    graph: { name: 'main_graph', initializer, node, input: [{ name: 'pixel_values' }], output: [{ name: 'predicted_depth' }] },
  };
  return onnx.ModelProto.encode(model).finish();
}

describe('transformers-style ONNX weights (onnx-community/depth-anything-v2-small layout), built from the fixture', () => {
  beforeAll(async () => {
    await setBackend('cpu');
    registerOnnxCheckpointReader();
  });

  it('folded Linear weights are recovered by their bias, the layout is detected, and the depth matches the fixture within 1e-4', async () => {
    const model = new DepthAnythingV2(dav2ConfigFromCheckpoint(fixture, { numHeads: 2 }));
    loadDepthAnythingV2Weights(model, fixture);
    const hfBytes = transformersStyleOnnx(onnxTensorSource(exportOnnx(model, { inputShape: [1, 3, 70, 98] }).model));
    model.dispose();

    const source = onnxTensorSource(hfBytes);
    expect(Object.keys(source.recovered)).toHaveLength(4 * 6); // q, k, v, dense, fc1, fc2 per block
    expect(source.recovered['backbone.encoder.layer.0.attention.attention.query.weight']).toMatch(/^onnx::MatMul_/);
    expect(source.shapeOf('backbone.encoder.layer.3.mlp.fc1.weight')).toEqual([256, 64]);

    // A folder like the hub repo: onnx/model.onnx and config.json (which says the head count).
    const dir = mkdtempSync(join(tmpdir(), 'dav2-onnx-hf-'));
    mkdirSync(join(dir, 'onnx'));
    writeFileSync(join(dir, 'onnx', 'model.onnx'), hfBytes);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'depth_anything', backbone_config: { num_attention_heads: 2 } }));
    const estimator = await createDepthEstimator(dir);
    expect(estimator.lines[0]).toMatch(/transformers names/);
    for (const key of ['a', 'b']) {
      const depth = depthOf(estimator.model as DepthAnythingV2, key);
      expectClose(depth, fixture.tensor(`output.${key}.depth`), { atol: 1e-4, label: `transformers-style ONNX (${key})` });
      depth.dispose();
    }
    const a = await estimator.estimate(rawImage('input.a.image_u8_nhwc'), { size: 70 });
    expectClose(a.disparity, fixture.require('output.a.depth').data as Float32Array, { atol: 1e-4, label: 'estimator, transformers-style ONNX' });
    estimator.dispose();
  });
});
