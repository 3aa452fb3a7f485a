import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { hostToTensor } from '@anydepth/core';
import { expectClose, setBackend } from '@anydepth/test-utils';
import { anyDepthTinyConfig, createAnyDepth, loadAnyDepthWeights } from '@anydepth/model';
import { type OnnxTypes, onnx } from '../src/proto.js';
import { exportOnnx, onnxTensorSource } from '../src/index.js';
import { readOnnxFile } from '../src/node.js';
import { openFixture } from './helpers.js';

const fixture = openFixture('anydepth_tiny.safetensors');

describe('ONNX initializers as weights (onnxTensorSource)', () => {
  beforeAll(() => setBackend('cpu'));

  it('an exported AnyDepth loads back into a fresh model (by state-dict name) and predicts the same depth', () => {
    const original = createAnyDepth(anyDepthTinyConfig());
    loadAnyDepthWeights(original, fixture);
    const bytes = exportOnnx(original, { inputShape: [1, 3, 64, 96] }).model;
    const source = onnxTensorSource(bytes);
    expect(source.unnamed).toEqual([]);
    expect(source.metadata['anydepth.module']).toBe('AnyDepth');
    expect(source.shapeOf('decoder.upsample_1.dysample1.1.weight')).toEqual([32, 32, 3, 3]);

    const reloaded = createAnyDepth(anyDepthTinyConfig());
    const report = loadAnyDepthWeights(reloaded, source, { strict: false });
    // What the graph never reads is not in the file: the mask token and BatchNorm counters.
    expect(report.encoder.missing).toEqual(['encoder.embeddings.mask_token']);
    expect(report.decoder.missing.every((k) => k.endsWith('num_batches_tracked'))).toBe(true);
    expect(report.encoder.unexpected.length + report.decoder.unexpected.length).toBe(0);
    const image = tf.randomNormal([1, 32, 48, 3], 0, 1, 'float32', 11); // small: two cpu forward passes
    const a = original.eval().forward(image);
    const b = reloaded.eval().forward(image);
    expectClose(b, a, { atol: 0, label: 'reloaded depth' });
    tf.dispose([image, a, b]);
    original.dispose();
    reloaded.dispose();
  });

  it('reads external data through readOnnxFile (location relative to the model)', () => {
    const model = createAnyDepth(anyDepthTinyConfig());
    loadAnyDepthWeights(model, fixture);
    const dir = mkdtempSync(join(tmpdir(), 'onnx-ext-'));
    const exported = exportOnnx(model, { inputShape: [1, 3, 32, 32], externalData: true, externalDataLocation: 'm.onnx.data' });
    writeFileSync(join(dir, 'm.onnx'), exported.model);
    writeFileSync(join(dir, 'm.onnx.data'), Buffer.concat(exported.externalData!.chunks));
    const source = readOnnxFile(join(dir, 'm.onnx'));
    const name = 'decoder.output_conv.2.weight';
    expectClose(hostToTensor(source.get(name)!), fixture.tensor(name), { atol: 0, label: name });
    expect(() => onnxTensorSource(exported.model).get(name)).toThrow(/external file 'm\.onnx\.data': pass options\.externalData/);
    model.dispose();
  });

  it('names Linear weights that an exporter folded into MatMul operands after their bias, transposed back to [out, in]; reports what stays anonymous', () => {
    const weight = Float32Array.from({ length: 6 }, (_, i) => i + 1); // stored [in=2, out=3]
    const init = (name: string, dims: number[], data: Float32Array): OnnxTypes.ITensorProto => ({
      name,
      dims,
      dataType: 1,
      rawData: new Uint8Array(data.buffer),
    });
    const model: OnnxTypes.IModelProto = {
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      graph: {
        name: 'g',
        initializer: [
          init('onnx::MatMul_12', [2, 3], weight),
          init('backbone.encoder.layer.0.attention.attention.query.bias', [3], new Float32Array([0.1, 0.2, 0.3])),
          init('onnx::Mul_99', [1], new Float32Array([2])),
        ],
        node: [
          { opType: 'MatMul', input: ['x', 'onnx::MatMul_12'], output: ['mm'] },
          { opType: 'Add', input: ['backbone.encoder.layer.0.attention.attention.query.bias', 'mm'], output: ['y'] },
          { opType: 'Mul', input: ['y', 'onnx::Mul_99'], output: ['z'] },
        ],
        input: [{ name: 'x' }],
        output: [{ name: 'z' }],
      },
    };
    const source = onnxTensorSource(onnx.ModelProto.encode(model).finish());
    const name = 'backbone.encoder.layer.0.attention.attention.query.weight';
    expect(source.keys().sort()).toEqual([name.replace('.weight', '.bias'), name, 'onnx::Mul_99'].sort());
    expect(source.recovered).toEqual({ [name]: 'onnx::MatMul_12' });
    expect(source.unnamed).toEqual(['onnx::Mul_99']);
    expect(source.shapeOf(name)).toEqual([3, 2]);
    expect(Array.from(source.get(name)!.data as Float32Array)).toEqual([1, 4, 2, 5, 3, 6]);
  });

  it('rejects bytes that are not an ONNX model', () => {
    expect(() => onnxTensorSource(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f]))).toThrow(/not an ONNX model/);
  });
});
