import * as tf from '@tensorflow/tfjs-core';
import type { AnyDepth } from './anydepth.js';
import { type ImageInput, imageToTensor } from './image.js';
import { type InputSizeOptions, networkInputSize, preprocessImage } from './preprocess.js';

export interface PredictOptions extends InputSizeOptions {
  /** Resize the prediction back to the input size (default true); otherwise return it at network size. */
  resizeToInput?: boolean;
  /** Largest number of same-size images run in one forward pass by `predictBatch` (default 4). */
  batchSize?: number;
}

export interface StageTimings {
  preprocessMs: number;
  inferenceMs: number;
  postprocessMs: number;
}

/** Affine-invariant disparity (near = large) for one image. */
export interface DepthPrediction {
  disparity: Float32Array;
  width: number;
  height: number;
  /** The network's input size (multiples of 16). */
  networkWidth: number;
  networkHeight: number;
  timings: StageTimings;
}

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}

/** Predicts disparity for one image. Works on every backend (reads results asynchronously). */
export async function predict(model: AnyDepth, image: ImageInput, options: PredictOptions = {}): Promise<DepthPrediction> {
  const [result] = await predictBatch(model, [image], { ...options, batchSize: 1 });
  return result;
}

/**
 * Predicts disparity for several images; images that share a network size run together in
 * batches of `batchSize`. Results come back in input order. No tensor outlives the call.
 */
export async function predictBatch(model: AnyDepth, images: ImageInput[], options: PredictOptions = {}): Promise<DepthPrediction[]> {
  const wasTraining = model.training;
  model.eval();
  try {
    const t0 = now();
    const inputs = images.map((image) => {
      const rgb = imageToTensor(image); // [H, W, 3], 0..255
      const [height, width] = rgb.shape;
      const net = networkInputSize(width, height, options);
      const x = preprocessImage(rgb, net); // [1, h, w, 3]
      rgb.dispose();
      return { x, width, height, net };
    });
    const preprocessMs = (now() - t0) / Math.max(1, images.length);
    const results: DepthPrediction[] = new Array(images.length);
    const groups = new Map<string, number[]>();
    inputs.forEach((inp, i) => {
      const key = `${inp.net.width}x${inp.net.height}`;
      groups.set(key, [...(groups.get(key) ?? []), i]);
    });
    const batchSize = Math.max(1, options.batchSize ?? 4);
    try {
      for (const indices of groups.values()) {
        for (let s = 0; s < indices.length; s += batchSize) {
          const chunk = indices.slice(s, s + batchSize);
          const t1 = now();
          const out = tf.tidy(() => {
            const batch =
              chunk.length === 1
                ? inputs[chunk[0]].x
                : tf.concat(
                    chunk.map((i) => inputs[i].x),
                    0,
                  );
            return model.forward(batch); // [b, h', w', 1]
          });
          // Synchronise so the timing covers the GPU work, reading back one value only: the queue runs in
          // order, so that value is ready when the whole forward pass is, and the map is read once, below.
          const probe = tf.slice(out, [0, 0, 0, 0], [1, 1, 1, 1]);
          await probe.data();
          probe.dispose();
          const inferenceMs = (now() - t1) / chunk.length;
          for (let k = 0; k < chunk.length; k++) {
            const i = chunk[k];
            const t2 = now();
            const { net, width, height } = inputs[i];
            const resized = tf.tidy(() => {
              let d = tf.slice(out, [k, 0, 0, 0], [1, -1, -1, 1]) as tf.Tensor4D;
              // Centre padding (only when a size is not a multiple of 16) is cropped before resizing back.
              const [, ph, pw] = d.shape;
              if (ph !== net.height || pw !== net.width) {
                d = tf.slice(d, [0, Math.floor((ph - net.height) / 2), Math.floor((pw - net.width) / 2), 0], [1, net.height, net.width, 1]);
              }
              const resize = options.resizeToInput ?? true;
              return resize && (height !== net.height || width !== net.width) ? tf.image.resizeBilinear(d, [height, width], false, true) : d;
            });
            const disparity = (await resized.data()) as Float32Array;
            const [, outH, outW] = resized.shape;
            resized.dispose();
            results[i] = {
              disparity,
              width: outW,
              height: outH,
              networkWidth: net.width,
              networkHeight: net.height,
              timings: { preprocessMs, inferenceMs, postprocessMs: now() - t2 },
            };
          }
          out.dispose();
        }
      }
    } finally {
      for (const inp of inputs) inp.x.dispose();
    }
    return results;
  } finally {
    model.train(wasTraining);
  }
}
