import * as tf from '@tensorflow/tfjs-core';
import { expectClose, registerGradients, setBackend } from '@anydepth/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_ATTENTION_TILE_BYTES,
  Rng,
  attentionTileRows,
  getAttentionTileBytes,
  scaledDotProductAttention,
  setAttentionStrategy,
  setAttentionTileBytes,
} from '../src/index.js';

/** softmax(q·kᵀ)·v in float64 on host arrays, q, k, v [G, N, hd] (G = B·H), for reference. */
function naiveAttention(q: Float32Array, k: Float32Array, v: Float32Array, g: number, n: number, hd: number): Float64Array {
  const out = new Float64Array(g * n * hd);
  const s = new Float64Array(n);
  for (let gi = 0; gi < g; gi++)
    for (let i = 0; i < n; i++) {
      let max = Number.NEGATIVE_INFINITY;
      for (let j = 0; j < n; j++) {
        let d = 0;
        for (let c = 0; c < hd; c++) d += q[(gi * n + i) * hd + c] * k[(gi * n + j) * hd + c];
        s[j] = d;
        max = Math.max(max, d);
      }
      let sum = 0;
      for (let j = 0; j < n; j++) {
        s[j] = Math.exp(s[j] - max);
        sum += s[j];
      }
      for (let j = 0; j < n; j++) for (let c = 0; c < hd; c++) out[(gi * n + i) * hd + c] += (s[j] / sum) * v[(gi * n + j) * hd + c];
    }
  return out;
}

const B = 2;
const H = 3;
const N = 37; // prime: every tile size below leaves a ragged last tile
const HD = 8;

function inputs(seed: number) {
  const rng = new Rng(seed);
  const len = B * H * N * HD;
  const host = { q: rng.normalArray(len, 0, 1), k: rng.normalArray(len, 0, 1), v: rng.normalArray(len, 0, 1) };
  const shape = [B, H, N, HD];
  return { host, q: tf.tensor(host.q, shape), k: tf.tensor(host.k, shape), v: tf.tensor(host.v, shape) };
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`tiled attention on ${backend}`, () => {
    afterEach(() => {
      setAttentionStrategy('auto');
      setAttentionTileBytes(DEFAULT_ATTENTION_TILE_BYTES);
    });

    it('sets the backend', async () => {
      await setBackend(backend);
      expect(tf.getBackend()).toBe(backend);
    });

    it('sizes the query tile from the byte budget', () => {
      expect(getAttentionTileBytes()).toBe(DEFAULT_ATTENTION_TILE_BYTES);
      expect(attentionTileRows(9216, 1, 32 * 2 ** 20)).toBe(910); // ViT-S/16 at 1536 px, one head
      expect(attentionTileRows(2304, 1, 32 * 2 ** 20)).toBe(2304); // 768 px: one tile
      expect(attentionTileRows(100, 6, 1)).toBe(1); // at least one row
      expect(() => setAttentionTileBytes(0)).toThrow(/positive byte count/);
      expect(() => scaledDotProductAttention(tf.zeros([2, 3]), tf.zeros([2, 3]), tf.zeros([2, 3]))).toThrow(/\[B, H, N, hd\]/);
    });

    for (const strategy of ['batched', 'per-head'] as const) {
      // Rows per tile: 1, 5 (ragged 2), 16 (ragged 5), 36 (ragged 1), N (untiled).
      it.each([1, 5, 16, 36, N])(`${strategy}: %i-row tiles equal the untiled product and float64 within 1e-5`, (rows) => {
        setAttentionStrategy(strategy);
        const { host, q, k, v } = inputs(11);
        const groups = strategy === 'batched' ? B * H : 1;
        const budget = rows * N * 4 * groups; // exactly `rows` rows per tile
        expect(attentionTileRows(N, groups, budget)).toBe(rows);
        const untiled = scaledDotProductAttention(q, k, v, Number.POSITIVE_INFINITY);
        const before = tf.memory().numTensors;
        const tiled = scaledDotProductAttention(q, k, v, budget);
        expect(tf.memory().numTensors).toBe(before + 1);
        expect(tiled.shape).toEqual([B, H, N, HD]);
        expectClose(tiled, untiled, { atol: 1e-5, label: `tiled ${rows} vs untiled` });
        expectClose(tiled, naiveAttention(host.q, host.k, host.v, B * H, N, HD), { atol: 1e-5, label: `tiled ${rows} vs float64` });
        tf.dispose([q, k, v, untiled, tiled]);
      });
    }

    it('the global budget tiles every call; numTensors stays flat over repeated calls', () => {
      const { q, k, v } = inputs(12);
      const untiled = scaledDotProductAttention(q, k, v, Number.POSITIVE_INFINITY);
      setAttentionTileBytes(7 * N * 4);
      const start = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) {
        const y = scaledDotProductAttention(q, k, v);
        expectClose(y, untiled, { atol: 1e-5, label: `repeat ${i}` });
        y.dispose();
      }
      expect(tf.memory().numTensors).toBe(start);
      tf.dispose([q, k, v, untiled]);
    });

    it('gradients through the tiled path equal the untiled gradients within 1e-5', async () => {
      await registerGradients();
      const { q, k, v } = inputs(13);
      const w = tf.randomNormal([B, H, N, HD], 0, 1, 'float32', 5);
      const loss = (budget: number) => (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(scaledDotProductAttention(a, b, c, budget), w)) as tf.Scalar;
      const plain = tf.grads(loss(Number.POSITIVE_INFINITY))([q, k, v]);
      const tiled = tf.grads(loss(5 * N * 4))([q, k, v]);
      for (let i = 0; i < 3; i++) expectClose(tiled[i], plain[i], { atol: 1e-5, label: `d${'qkv'[i]}` });
      tf.dispose([q, k, v, w, ...plain, ...tiled]);
    });
  });
}
