import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectClose, setBackend } from '@anydepth/test-utils';
import { type AnyDepth, anyDepthTinyConfig, createAnyDepth, loadAnyDepthWeights } from '@anydepth/model';
import { exportOnnx } from '../src/index.js';
import { openFixture, runOrt, session, toNchw } from './helpers.js';

const fixture = openFixture('anydepth_tiny.safetensors');

describe('AnyDepth (tiny fixture weights) exported to ONNX runs in onnxruntime-node', () => {
  let model: AnyDepth;
  beforeAll(async () => {
    await setBackend('cpu');
    model = createAnyDepth(anyDepthTinyConfig());
    loadAnyDepthWeights(model, fixture);
    model.eval();
  });
  afterAll(() => model.dispose());

  /** This project's output for an NCHW fixture image, as NCHW [B, 1, H', W']. */
  function projectDepth(key: string): tf.Tensor {
    return tf.tidy(() => toNchw(model.forward(fixture.tensor(`input.${key}.image_nhwc`))));
  }

  it('static 64×96 graph: depth within 1e-4 of tfjs (and of the PyTorch reference)', async () => {
    const exported = exportOnnx(model, { inputShape: [1, 3, 64, 96] });
    expect(exported.inputs[0]).toEqual({ name: 'image', type: 'float32', dims: [1, 3, 64, 96] });
    const s = await session(exported.model);
    const image = fixture.tensor('input.a.image');
    const { depth } = await runOrt(s, { image });
    expect(depth.dims).toEqual([1, 1, 64, 96]);
    const ours = projectDepth('a');
    expectClose(depth.data, ours, { atol: 1e-4, label: 'ORT vs tfjs (a)' });
    expectClose(depth.data, fixture.tensor('output.a.depth'), { atol: 1e-4, label: 'ORT vs PyTorch (a)' });
    tf.dispose([ours, image]);
    await s.release();
  });

  it('dynamic height/width: one graph runs 64×96 and 60×90 (centre-padded in the graph) within 1e-4 of tfjs', async () => {
    const exported = exportOnnx(model, { inputShape: [1, 3], dynamicAxes: { height: true, width: true } });
    expect(exported.inputs[0].dims).toEqual([1, 3, 'height', 'width']);
    const s = await session(exported.model);
    for (const key of ['a', 'c']) {
      const image = fixture.tensor(`input.${key}.image`);
      const { depth } = await runOrt(s, { image });
      expect(depth.dims).toEqual([1, 1, 64, 96]);
      const ours = projectDepth(key);
      const r = expectClose(depth.data, ours, { atol: 1e-4, label: `ORT vs tfjs (${key})` });
      expect(r.maxAbs).toBeLessThan(1e-4);
      tf.dispose([ours, image]);
    }
    await s.release();
  });
});

describe('AnyDepth export: weights and names', () => {
  beforeAll(() => setBackend('cpu'));

  it('initializers are the PyTorch state dict (names, torch layouts, values); only unused tensors are left out', async () => {
    const model = createAnyDepth(anyDepthTinyConfig());
    loadAnyDepthWeights(model, fixture);
    const exported = exportOnnx(model, { inputShape: [1, 3, 32, 32] });
    const shapes = model.stateDictShapes();
    const left = Object.keys(shapes).filter((k) => !exported.initializers.includes(k));
    expect(left.sort()).toEqual(['encoder.embeddings.mask_token', ...Object.keys(shapes).filter((k) => k.endsWith('num_batches_tracked'))].sort());
    const { onnx } = await import('../src/index.js');
    const proto = onnx.ModelProto.decode(exported.model);
    const byName = new Map(proto.graph!.initializer!.map((t) => [t.name!, t]));
    for (const name of exported.initializers) {
      const t = byName.get(name)!;
      expect(t.dims!.map(Number), name).toEqual(shapes[name]);
    }
    // A Linear weight keeps PyTorch's [out, in] layout: compare bytes with the fixture's tensor.
    const name = 'encoder.layer.0.attention.q_proj.weight';
    const raw = byName.get(name)!.rawData!;
    const stored = new Float32Array(new Uint8Array(raw).buffer); // a copy: decoded bytes may be an unaligned view
    expectClose(stored, fixture.tensor(name), { atol: 0, label: name });
    model.dispose();
  });
});
