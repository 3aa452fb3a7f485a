import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { type Module, type Rng, SafetensorsFile } from '@anydepth/core';
import { readFixtureBytes } from '@anydepth/test-utils';

export const DATA_PREFIXES = ['input.', 'output.', 'grad.', 'debug.', 'ref.'];
export const isData = (k: string): boolean => DATA_PREFIXES.some((p) => k.startsWith(p));

export function openFixture(name: string): SafetensorsFile {
  return SafetensorsFile.fromBytes(readFixtureBytes(name));
}

/** An onnxruntime-node session on the CPU execution provider (2 threads, the CI machine's cores). */
export function session(model: Uint8Array | string): Promise<ort.InferenceSession> {
  const options: ort.InferenceSession.SessionOptions = { executionProviders: ['cpu'], intraOpNumThreads: 2, interOpNumThreads: 1, logSeverityLevel: 3 };
  return typeof model === 'string' ? ort.InferenceSession.create(model, options) : ort.InferenceSession.create(model, options);
}

/** Runs a session on float32 tfjs tensors (already in the graph's layout) and returns float32 outputs by name. */
export async function runOrt(s: ort.InferenceSession, feeds: Record<string, tf.Tensor>): Promise<Record<string, { data: Float32Array; dims: number[] }>> {
  const inputs: Record<string, ort.Tensor> = {};
  for (const [k, t] of Object.entries(feeds)) inputs[k] = new ort.Tensor('float32', t.dataSync() as Float32Array, t.shape);
  const out = await s.run(inputs);
  const result: Record<string, { data: Float32Array; dims: number[] }> = {};
  for (const [k, v] of Object.entries(out)) result[k] = { data: v.data as Float32Array, dims: [...v.dims] };
  return result;
}

/** NHWC → NCHW. */
export function toNchw(t: tf.Tensor): tf.Tensor {
  return tf.transpose(t, [0, 3, 1, 2]);
}

/**
 * Makes freshly initialised weights exercise every path: LayerScale gains 0.1–0.5 (not 1e-5), DySample
 * offset/scope weights large enough to move samples by pixels, BatchNorm statistics away from 0/1.
 */
export function perturb(model: Module, rng: Rng): void {
  tf.tidy(() => {
    for (const [name, v] of [...model.namedParameters(), ...model.namedBuffers()]) {
      const n = v.size;
      if (name.endsWith('lambda1')) v.assign(tf.tensor(rng.uniformArray(n, 0.1, 0.5), v.shape));
      else if (/\.(offset|scope)\.weight$/.test(name)) v.assign(tf.tensor(rng.normalArray(n, 0, 0.3), v.shape));
      else if (/\.offset\.bias$/.test(name)) v.assign(tf.tensor(rng.normalArray(n, 0, 0.3), v.shape));
      else if (name.endsWith('running_mean')) v.assign(tf.tensor(rng.normalArray(n, 0, 0.2), v.shape));
      else if (name.endsWith('running_var')) v.assign(tf.tensor(rng.uniformArray(n, 0.5, 1.5), v.shape));
      else if (name.endsWith('layer_weights')) v.assign(tf.tensor(rng.normalArray(n, 0, 0.7), v.shape));
    }
  });
}
