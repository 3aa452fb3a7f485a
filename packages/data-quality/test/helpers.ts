import { deflateSync } from 'node:zlib';

/** Minimal 16-bit greyscale PNG writer (filter 0 rows, CRCs zeroed: the decoder does not check them). */
export function encodePng16(width: number, height: number, values: ArrayLike<number>): Uint8Array {
  const stride = width * 2;
  const raw = new Uint8Array(height * (stride + 1));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = values[y * width + x];
      raw[y * (stride + 1) + 1 + 2 * x] = v >> 8;
      raw[y * (stride + 1) + 2 + 2 * x] = v & 255;
    }
  }
  const chunk = (type: string, body: Uint8Array): Uint8Array => {
    const out = new Uint8Array(12 + body.length);
    new DataView(out.buffer).setUint32(0, body.length);
    for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
    out.set(body, 8);
    return out;
  };
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, width);
  new DataView(ihdr.buffer).setUint32(4, height);
  ihdr[8] = 16;
  const parts = [new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', new Uint8Array(deflateSync(raw, { level: 6 }))), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

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
