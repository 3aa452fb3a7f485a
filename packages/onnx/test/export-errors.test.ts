import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { BatchNorm2d, Conv2d, Layer, ReLU, Sequential } from '@anydepth/core';
import { expectClose, setBackend } from '@anydepth/test-utils';
import { anyDepthTinyConfig, createAnyDepth, loadAnyDepthWeights } from '@anydepth/model';
import { exportOnnx, registerEmitter } from '../src/index.js';
import { openFixture, runOrt, session, toNchw } from './helpers.js';

class Swish extends Layer {
  forward(x: tf.Tensor): tf.Tensor {
    return tf.mul(x, tf.sigmoid(x));
  }
}

describe('exportOnnx: errors name the module; custom modules plug in; opset 16', () => {
  beforeAll(() => setBackend('cpu'));

  it('a module without an emitter fails with its class and state-dict path', () => {
    const net = new Sequential(new Conv2d(3, 4, 3, { padding: 1 }), new Sequential(new ReLU(), new Swish()));
    expect(() => exportOnnx(net, { inputShape: [1, 3, 8, 8] })).toThrow(/no emitter for Swish at '1\.1'; register one with registerEmitter\(Swish, …\)/);
    net.dispose();
  });

  it('registerEmitter makes it exportable, and the graph runs', async () => {
    class Swish2 extends Swish {}
    registerEmitter(Swish2, { forward: (ctx, _m, x) => ctx.g.op('Mul', [x, ctx.g.op('Sigmoid', [x])]) });
    const net = new Sequential(new Conv2d(3, 4, 3, { padding: 1 }), new Swish2());
    const exported = exportOnnx(net, { inputShape: [1, 3, 8, 8] });
    expect(exported.initializers).toEqual(['0.weight', '0.bias']);
    const s = await session(exported.model);
    const x = tf.randomNormal([1, 3, 8, 8], 0, 1, 'float32', 3);
    const { output } = await runOrt(s, { input: x });
    const ours = tf.tidy(() => toNchw(net.forward(tf.transpose(x, [0, 2, 3, 1]))));
    expectClose(output.data, ours, { atol: 1e-5, label: 'custom emitter' });
    tf.dispose([x, ours]);
    net.dispose();
  });

  it('refuses BatchNorm without running statistics and opsets without GridSample, naming them', () => {
    const net = new Sequential(new BatchNorm2d(3, { trackRunningStats: false }));
    expect(() => exportOnnx(net, { inputShape: [1, 3, 4, 4] })).toThrow(/BatchNorm2d at '0' has no running statistics/);
    expect(() => exportOnnx(net, { inputShape: [1, 3, 4, 4], opset: 15 })).toThrow(/opset must be an integer in 16\.\.18 \(GridSample needs 16\), got 15/);
    expect(() => exportOnnx(net, {})).toThrow(/needs inputShape/);
    net.dispose();
  });

  it('opset 16 (LayerNorm decomposed) matches the PyTorch reference within 1e-4 too', async () => {
    const fixture = openFixture('anydepth_tiny.safetensors');
    const model = createAnyDepth(anyDepthTinyConfig());
    loadAnyDepthWeights(model, fixture);
    const exported = exportOnnx(model.eval(), { inputShape: [1, 3, 64, 96], opset: 16 });
    const s = await session(exported.model);
    const { depth } = await runOrt(s, { image: fixture.tensor('input.a.image') });
    expectClose(depth.data, fixture.tensor('output.a.depth'), { atol: 1e-4, label: 'opset 16 vs PyTorch' });
    model.dispose();
  });
});
