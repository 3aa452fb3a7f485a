/** A deterministic synthetic depth map in millimetres: planes, a step edge and holes, varying with `seed`. */
export function syntheticDepthMm(width: number, height: number, seed: number): Uint16Array {
  const out = new Uint16Array(width * height);
  let s = seed * 7919 + 1;
  const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) >>> 8) / 2 ** 24;
  const a = 500 + 4000 * rnd();
  const gx = 10 * rnd() - 5;
  const gy = 10 * rnd();
  const holes = rnd() * 0.5;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let v = a + gx * x + gy * y + (x > width / 2 ? 800 * rnd() : 0);
      if (rnd() < holes * (y / height)) v = 0;
      out[y * width + x] = Math.max(0, Math.min(65535, Math.round(v)));
    }
  }
  return out;
}
