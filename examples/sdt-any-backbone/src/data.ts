import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@anydepth/core';

/**
 * A synthetic depth task: a ground plane whose disparity grows towards the bottom of the image,
 * plus one or two boxes standing closer to the camera. The image shades every surface by its
 * disparity, with a colour per surface and pixel noise, so depth must be read from appearance.
 * Returns images [B, S, S, 3] in [−1, 1] and disparity targets [B, S, S, 1] in [0, 1].
 */
export function syntheticBatch(rng: Rng, batch: number, size: number): { images: tf.Tensor; targets: tf.Tensor } {
  const img = new Float32Array(batch * size * size * 3);
  const disp = new Float32Array(batch * size * size);
  for (let b = 0; b < batch; b++) {
    const horizon = rng.uniform(0.2, 0.45);
    const floorColour = [rng.uniform(0.3, 1), rng.uniform(0.3, 1), rng.uniform(0.3, 1)];
    const boxes = Array.from({ length: 1 + rng.int(2) }, () => {
      const w = rng.uniform(0.2, 0.45);
      const h = rng.uniform(0.25, 0.5);
      const x0 = rng.uniform(0, 1 - w);
      const y1 = rng.uniform(horizon + 0.3, 1);
      return { x0, x1: x0 + w, y0: Math.max(0, y1 - h), y1, colour: [rng.uniform(0, 1), rng.uniform(0, 1), rng.uniform(0, 1)] };
    });
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const u = (x + 0.5) / size;
        const v = (y + 0.5) / size;
        // Ground plane: disparity ∝ distance below the horizon; sky (above it) is far away.
        let d = v > horizon ? (v - horizon) / (1 - horizon) : 0;
        let colour = v > horizon ? floorColour : [0.6, 0.7, 0.9];
        for (const box of boxes) {
          // A box standing on the ground at its bottom edge y1 has the ground's disparity there, a bit closer.
          if (u >= box.x0 && u < box.x1 && v >= box.y0 && v < box.y1) {
            d = Math.min(1, (box.y1 - horizon) / (1 - horizon) + 0.1);
            colour = box.colour;
          }
        }
        const i = (b * size + y) * size + x;
        disp[i] = d;
        const shade = 0.25 + 0.75 * d;
        for (let c = 0; c < 3; c++) img[i * 3 + c] = 2 * (colour[c] * shade + rng.normal(0, 0.03)) - 1;
      }
    }
  }
  return { images: tf.tensor4d(img, [batch, size, size, 3]), targets: tf.tensor4d(disp, [batch, size, size, 1]) };
}
