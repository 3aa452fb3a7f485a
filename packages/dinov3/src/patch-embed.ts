import * as tf from '@tensorflow/tfjs-core';
import { Conv2d, Module, type Rng, normalInit } from '@anydepth/core';
import { patchTokens } from '@anydepth/core/internal';

/**
 * Patch embedding and the prefix tokens (HF `DINOv3ViTEmbeddings`): a 16×16 / stride-16 convolution
 * turns the NHWC image into h·w tokens, and the sequence is [cls, registers…, patches].
 * State-dict names (HF): `cls_token` (1,1,D), `mask_token` (1,1,D), `register_tokens` (1,R,D),
 * `patch_embeddings.weight` (D,3,16,16), `patch_embeddings.bias` (D).
 */
export class PatchEmbeddings extends Module {
  readonly clsToken: tf.Variable; // [1, 1, D]
  /** Only used in masked-image training; kept so checkpoints load strictly (cls + 0·mask is a no-op). */
  readonly maskToken: tf.Variable; // [1, 1, D]
  readonly registerTokens: tf.Variable; // [1, R, D]
  readonly patchEmbeddings: Conv2d;

  constructor(
    readonly embedDim: number,
    readonly patchSize: number,
    readonly numRegisterTokens: number,
    inChannels = 3,
    rng?: Rng,
  ) {
    super();
    this.clsToken = this.addParameter('cls_token', normalInit([1, 1, embedDim], 0.02, rng));
    this.maskToken = this.addParameter('mask_token', tf.zeros([1, 1, embedDim]));
    this.registerTokens = this.addParameter('register_tokens', normalInit([1, numRegisterTokens, embedDim], 0.02, rng));
    this.patchEmbeddings = this.addModule('patch_embeddings', new Conv2d(inChannels, embedDim, patchSize, { stride: patchSize, rng }));
  }

  /** Patch tokens of an NHWC image whose sides are multiples of the patch size: [B, h·w, D], row-major. */
  patchTokens(image: tf.Tensor4D): tf.Tensor3D {
    return patchTokens(image, this.patchEmbeddings, this.patchSize); // [B, hw, D]
  }

  /** The token sequence entering block 0: [B, 1 + R + h·w, D]. */
  forward(image: tf.Tensor4D): tf.Tensor3D {
    return tf.tidy(() => {
      const b = image.shape[0];
      const patches = this.patchTokens(image); // [B, hw, D]
      const cls = tf.broadcastTo(this.clsToken, [b, 1, this.embedDim]); // [B, 1, D]
      const parts: tf.Tensor[] = [cls];
      if (this.numRegisterTokens > 0) parts.push(tf.broadcastTo(this.registerTokens, [b, this.numRegisterTokens, this.embedDim])); // [B, R, D]
      parts.push(patches);
      return tf.concat(parts, 1) as tf.Tensor3D; // [B, N, D]
    });
  }
}
