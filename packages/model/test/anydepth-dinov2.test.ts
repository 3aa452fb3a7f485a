import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SafetensorsFile } from '@anydepth/core';
import { Dinov2VisionTransformer, loadDinov2Weights } from '@anydepth/dinov2';
import { SDTHead } from '@anydepth/sdt';
import { fixturePath, setBackend } from '@anydepth/test-utils';
import { AnyDepth, type FeatureEncoder } from '../src/index.js';

const fixture = SafetensorsFile.fromBytes(new Uint8Array(readFileSync(fixturePath('dav2_tiny.safetensors'))), 'dav2_tiny');

describe('SDT on DINOv2 (AnyDepth with a patch-14 encoder)', () => {
  let encoder: Dinov2VisionTransformer;

  beforeAll(async () => {
    await setBackend('cpu');
    encoder = new Dinov2VisionTransformer({ embedDim: 64, depth: 4, numHeads: 2, intermediateLayers: [0, 1, 2, 3] });
    loadDinov2Weights(encoder, fixture, { prefix: 'pretrained.', ignore: (k) => !k.startsWith('pretrained.') });
  });
  afterAll(() => encoder.dispose());

  it('the SDT head reads DINOv2 patch maps and cls tokens: 5×7 tokens → logits 80×112 (16h × 16w)', () => {
    const head = new SDTHead({ inChannels: 64, fusionChannels: 16, outChannels: 1 });
    const image = fixture.tensor('input.a.image_nhwc'); // [1, 70, 98, 3]
    const features = encoder.getIntermediateLayers(image, [0, 1, 2, 3], { norm: true, returnClassToken: true });
    expect(features.map((f) => [f.patches.shape, f.cls!.shape])).toEqual(
      Array(4).fill([
        [1, 5, 7, 64],
        [1, 64],
      ]),
    );
    const stages = head.forwardStages(features);
    expect(stages.up1.shape).toEqual([1, 20, 28, 16]);
    expect(stages.logits.shape).toEqual([1, 80, 112, 1]);
    expect(stages.logits.dataSync().every(Number.isFinite)).toBe(true);
    // The class token is read out: changing it changes the fused tokens.
    const noCls = head.weightedFusion.forward(features.map((f) => ({ patches: f.patches, cls: tf.zerosLike(f.cls!) })));
    expect(tf.max(tf.abs(tf.sub(noCls, stages.fused))).dataSync()[0]).toBeGreaterThan(1e-3);
    tf.dispose([image, noCls, ...Object.values(stages), ...features.flatMap((f) => [f.patches, f.cls!, f.registers])]);
    head.dispose();
  });

  it('AnyDepth(DINOv2, SDT) pads to multiples of 14 and returns depth at the padded input size, without leaking', () => {
    const decoder = new SDTHead({ inChannels: 64, fusionChannels: 16, outChannels: 1 });
    const e: FeatureEncoder = encoder; // DINOv2 satisfies AnyDepth's encoder interface
    const model = new AnyDepth({ encoder: e, decoder, layers: [0, 1, 2, 3], patchSize: 14, freezeEncoder: true });
    const image = tf.randomNormal([2, 64, 90, 3], 0, 1, 'float32', 11); // padded to 70 × 98
    const before = tf.memory().numTensors;
    const depth = model.forward(image);
    expect(depth.shape).toEqual([2, 70, 98, 1]);
    expect(Math.min(...depth.dataSync())).toBeGreaterThanOrEqual(0.001);
    depth.dispose();
    expect(tf.memory().numTensors).toBe(before);
    // Only the decoder trains; the encoder stays frozen.
    expect(model.trainableParameters().length).toBe(decoder.trainableParameters().length);
    image.dispose();
    decoder.dispose();
  });

  it('on a patch-16 encoder the logits are the head output unchanged (no resize)', () => {
    const decoder = new SDTHead({ inChannels: 64, fusionChannels: 16, outChannels: 1 });
    const model = new AnyDepth({ encoder, decoder, layers: [0, 1, 2, 3], patchSize: 14 });
    const feats = [0, 1, 2, 3].map((i) => ({
      patches: tf.randomNormal([1, 3, 4, 64], 0, 1, 'float32', i),
      cls: tf.randomNormal([1, 64], 0, 1, 'float32', 9 + i),
    }));
    const raw = decoder.forward(feats); // [1, 48, 64, 1]
    const viaModel = model.forwardFeatures(feats); // resized to 14·(3, 4) = 42 × 56
    expect(raw.shape).toEqual([1, 48, 64, 1]);
    expect(viaModel.shape).toEqual([1, 42, 56, 1]);
    const same = new AnyDepth({ encoder, decoder, layers: [0, 1, 2, 3], patchSize: 16 }).forwardFeatures(feats);
    expect(same.shape).toEqual([1, 48, 64, 1]);
    expect(tf.max(tf.abs(tf.sub(same, tf.add(tf.relu(raw), 0.001)))).dataSync()[0]).toBe(0);
    tf.dispose([raw, viaModel, same, ...feats.flatMap((f) => [f.patches, f.cls])]);
    decoder.dispose();
  });
});
