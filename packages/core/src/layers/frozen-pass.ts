import * as tf from '@tensorflow/tfjs-core';

/**
 * Runs `compute(image)` — a frozen encoder's forward pass returning several tensors — cut from the
 * gradient tape when `frozen`: under `tf.grad` nothing inside is recorded and the image gets a zero
 * gradient. Outside gradient recording (or when not frozen) it is a plain call. Shared by the DINOv2 and
 * DINOv3 encoders.
 */
export function detachWhenFrozen(frozen: boolean, image: tf.Tensor, compute: (x: tf.Tensor) => tf.Tensor[]): tf.Tensor[] {
  if (!frozen || tf.engine().state.gradientDepth === 0) return compute(image);
  const shapes: number[][] = [];
  const stacked = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const x = args[0] as tf.Tensor;
    const outs = compute(x);
    outs.forEach((o) => shapes.push(o.shape));
    return {
      value: tf.concat(
        outs.map((o) => tf.reshape(o, [-1])),
        0,
      ),
      gradFunc: () => tf.zerosLike(x),
    };
  })(image);
  let offset = 0;
  return shapes.map((shape) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const part = tf.reshape(tf.slice(stacked, [offset], [size]), shape);
    offset += size;
    return part;
  });
}
