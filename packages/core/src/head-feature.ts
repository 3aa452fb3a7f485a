import * as tf from '@tensorflow/tfjs-core';

/**
 * One backbone layer's output as the heads take it: the patch-token map in NHWC and, optionally,
 * the class token. This is the TF.js form of the `(patch_map [B,D,h,w], cls [B,D])` tuples that
 * `get_intermediate_layers(..., reshape=True, return_class_token=True)` returns.
 */
export interface HeadFeature {
  /** [B, h, w, D] patch tokens, row-major (token t = i·w + j ↔ [i, j]). */
  patches: tf.Tensor;
  /** [B, D] class token; heads that read it out need it, the others ignore it. */
  cls?: tf.Tensor;
}

/** Checks the feature list against the expected per-layer widths and returns the shared [B, h, w]. */
export function checkFeatures(head: string, features: readonly HeadFeature[], inChannels: readonly number[]): [number, number, number] {
  if (!Array.isArray(features) || features.length !== inChannels.length) {
    throw new Error(`${head}: expected ${inChannels.length} feature layers, got ${Array.isArray(features) ? features.length : typeof features}`);
  }
  const [b, h, w] = features[0].patches.shape;
  features.forEach((f, i) => {
    const p = f.patches;
    if (p.rank !== 4 || p.shape[3] !== inChannels[i]) {
      throw new Error(`${head}: features[${i}].patches must be [B, h, w, ${inChannels[i]}] (NHWC), got [${p.shape}]`);
    }
    if (p.shape[0] !== b || p.shape[1] !== h || p.shape[2] !== w) {
      throw new Error(
        `${head}: features[${i}].patches is [${p.shape}] but features[0].patches is [${features[0].patches.shape}]; all layers must share B, h, w`,
      );
    }
    if (f.cls && (f.cls.rank !== 2 || f.cls.shape[0] !== b || f.cls.shape[1] !== inChannels[i])) {
      throw new Error(`${head}: features[${i}].cls must be [${b}, ${inChannels[i]}], got [${f.cls.shape}]`);
    }
  });
  return [b, h, w];
}

/**
 * AnyDepth's `FeaturesToDepth`: `relu(logits) + minDepth` (0.001), the output convention every depth head
 * (SDT, the DPT baselines) and the AnyDepth model share.
 */
export function depthFromLogits(logits: tf.Tensor, minDepth = 0.001): tf.Tensor {
  return tf.tidy(() => tf.add(tf.relu(logits), minDepth));
}
