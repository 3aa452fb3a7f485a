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

/** softmax(q·kᵀ)·v for q, k, v [B, H, N, hd] (q already scaled) → [B, H, N, hd]. */
export function scaledDotProductAttention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const perHead = strategy === 'per-head' || (strategy === 'auto' && tf.getBackend() === 'wasm');
    if (!perHead) {
      const attn = tf.softmax(tf.matMul(q, k, false, true)); // [B, H, N, N]
      return tf.matMul(attn, v); // [B, H, N, hd]
    }
    const [b, h, n, hd] = q.shape;
    const qs = tf.unstack(tf.reshape(q, [b * h, n, hd])); // (B·H) × [N, hd]
    const kts = tf.unstack(tf.transpose(tf.reshape(k, [b * h, n, hd]), [0, 2, 1])); // (B·H) × [hd, N]
    const vs = tf.unstack(tf.reshape(v, [b * h, n, hd])); // (B·H) × [N, hd]
    const outs = qs.map((qi, i) => {
      const attn = tf.softmax(tf.matMul(qi, kts[i])); // [N, N]
      const o = tf.matMul(attn, vs[i]); // [N, hd]
      attn.dispose();
      return o;
    });
    return tf.reshape(tf.stack(outs), [b, h, n, hd]); // [B, H, N, hd]
  });
}
