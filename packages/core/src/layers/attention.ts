import * as tf from '@tensorflow/tfjs-core';

/**
 * How attention products run: `'batched'` = one matMul over all batch·heads (best on cpu, webgl,
 * webgpu, tensorflow); `'per-head'` = one 2-D matMul per head, which the wasm backend sends to
 * XNNPACK (its batched path is a plain loop, 4–7× slower: see bench/dinov3-encoder.ts);
 * `'auto'` (default) picks per-head on wasm. One setting for every ViT in the process (DINOv2, DINOv3).
 */
export type AttentionStrategy = 'auto' | 'batched' | 'per-head';

let strategy: AttentionStrategy = 'auto';

export function setAttentionStrategy(s: AttentionStrategy): void {
  strategy = s;
}

export function getAttentionStrategy(): AttentionStrategy {
  return strategy;
}

/**
 * Default byte budget of one block of attention scores (32 MiB). A ViT-S/16 at 768 px (2304 tokens,
 * 21 MB of scores per head) runs untiled per head; at 1536 px (9216 tokens, 340 MB per head) each
 * head runs in query tiles of 910 rows.
 */
export const DEFAULT_ATTENTION_TILE_BYTES = 32 * 2 ** 20;

let tileBytes = DEFAULT_ATTENTION_TILE_BYTES;

/**
 * Largest block of attention scores (bytes, float32) one matMul may make: above it the queries run in
 * tiles of rows, so [heads, N, N] is never materialised. `Infinity` never tiles. Exact: the softmax of
 * each query row is independent of the others. Tiles are sliced and concatenated with differentiable
 * ops, so training gets the same gradients (the tape still keeps every tile's scores for the backward
 * pass, so the saving is for inference).
 */
export function setAttentionTileBytes(bytes: number): void {
  if (!(bytes > 0)) throw new Error(`setAttentionTileBytes: expected a positive byte count (or Infinity), got ${bytes}`);
  tileBytes = bytes;
}

export function getAttentionTileBytes(): number {
  return tileBytes;
}

/** Query rows per tile so that `groups` score blocks of [rows, n] float32 stay within `budget` bytes. */
export function attentionTileRows(n: number, groups: number, budget: number = tileBytes): number {
  const rows = Math.floor(budget / (groups * n * 4));
  return Math.max(1, Math.min(n, rows));
}

/**
 * softmax(q·kᵀ)·v with the queries in tiles of `rows` rows along axis `rank − 2`; k is given as kᵀ
 * ([…, hd, N]) when `kTransposed`. q [..., N, hd] → [..., N, hd].
 */
function tiledProduct(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, kTransposed: boolean, rows: number): tf.Tensor {
  const axis = q.rank - 2;
  const n = q.shape[axis];
  const product = (qt: tf.Tensor) => tf.tidy(() => tf.matMul(tf.softmax(tf.matMul(qt, k, false, !kTransposed)), v)); // scores [..., rows, N] → [..., rows, hd]
  if (rows >= n) return product(q);
  const outs: tf.Tensor[] = [];
  for (let r0 = 0; r0 < n; r0 += rows) {
    const begin = q.shape.map((_, i) => (i === axis ? r0 : 0));
    const size = q.shape.map((_, i) => (i === axis ? Math.min(rows, n - r0) : -1));
    outs.push(product(tf.slice(q, begin, size))); // [..., rows, hd]
  }
  return tf.concat(outs, axis); // [..., N, hd]
}

/**
 * softmax(q·kᵀ)·v for q, k, v [B, H, N, hd] (q already scaled) → [B, H, N, hd]. Per query tile
 * when the scores would exceed {@link getAttentionTileBytes} (`tileBytes` overrides it for this call).
 */
export function scaledDotProductAttention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, tileBytesOverride?: number): tf.Tensor {
  return tf.tidy(() => {
    if (q.rank !== 4 || k.rank !== 4 || v.rank !== 4)
      throw new Error(`scaledDotProductAttention: expected q, k, v [B, H, N, hd], got [${q.shape}], [${k.shape}], [${v.shape}]`);
    const budget = tileBytesOverride ?? tileBytes;
    const perHead = strategy === 'per-head' || (strategy === 'auto' && tf.getBackend() === 'wasm');
    const [b, h, n, hd] = q.shape as number[];
    const nk = k.shape[2] as number;
    const hv = v.shape[3] as number;
    if (!perHead) return tiledProduct(q, k, v, false, attentionTileRows(nk, b * h, budget)); // [B, H, N, hd]
    const rows = attentionTileRows(nk, 1, budget);
    const qs = tf.unstack(tf.reshape(q, [b * h, n, hd])); // (B·H) × [N, hd]
    const kts = tf.unstack(tf.transpose(tf.reshape(k, [b * h, nk, hd]), [0, 2, 1])); // (B·H) × [hd, N]
    const vs = tf.unstack(tf.reshape(v, [b * h, nk, hv])); // (B·H) × [N, hd]
    const outs = qs.map((qi, i) => tiledProduct(qi, kts[i], vs[i], true, rows)); // [N, hd] each
    return tf.reshape(tf.stack(outs), [b, h, n, hv]); // [B, H, N, hd]
  });
}
