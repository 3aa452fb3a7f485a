export type ColormapName = 'grey' | 'inferno' | 'turbo' | 'spectral';

export const COLORMAPS: readonly ColormapName[] = ['grey', 'inferno', 'turbo', 'spectral'];

type Rgb = [number, number, number];

function hex(h: string): Rgb {
  return [parseInt(h.slice(1, 3), 16) / 255, parseInt(h.slice(3, 5), 16) / 255, parseInt(h.slice(5, 7), 16) / 255];
}

/** Inferno sampled at 10 evenly spaced stops, interpolated linearly between them. */
const INFERNO_STOPS = ['#000004', '#1b0c41', '#4a0c6b', '#781c6d', '#a52c60', '#cf4446', '#ed6925', '#fb9b06', '#f7d13d', '#fcffa4'].map(hex);
/** ColorBrewer Spectral (11 classes), reversed so that near (high disparity) is red. */
const SPECTRAL_STOPS = ['#5e4fa2', '#3288bd', '#66c2a5', '#abdda4', '#e6f598', '#ffffbf', '#fee08b', '#fdae61', '#f46d43', '#d53e4f', '#9e0142'].map(hex);

function fromStops(stops: Rgb[], t: number): Rgb {
  const x = t * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const a = stops[i];
  const b = stops[i + 1];
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}

/** Google's Turbo colormap through its published polynomial approximation. */
function turbo(t: number): Rgb {
  const r = 0.13572138 + t * (4.6153926 + t * (-42.66032258 + t * (132.13108234 + t * (-152.94239396 + t * 59.28637943))));
  const g = 0.09140261 + t * (2.19418839 + t * (4.84296658 + t * (-14.18503333 + t * (4.27729857 + t * 2.82956604))));
  const b = 0.1066733 + t * (12.64194608 + t * (-60.58204836 + t * (110.36276771 + t * (-89.90310912 + t * 27.34824973))));
  return [r, g, b];
}

function colorAt(name: ColormapName, t: number): Rgb {
  switch (name) {
    case 'grey':
      return [t, t, t];
    case 'inferno':
      return fromStops(INFERNO_STOPS, t);
    case 'spectral':
      return fromStops(SPECTRAL_STOPS, t);
    case 'turbo':
      return turbo(t);
  }
}

const lutCache = new Map<ColormapName, Uint8Array>();

/** A 256-entry RGB lookup table for the colormap. */
export function colormapLut(name: ColormapName): Uint8Array {
  if (!COLORMAPS.includes(name)) throw new Error(`unknown colormap '${name}' (choose ${COLORMAPS.join(', ')})`);
  let lut = lutCache.get(name);
  if (!lut) {
    lut = new Uint8Array(256 * 3);
    for (let i = 0; i < 256; i++) {
      const c = colorAt(name, i / 255);
      for (let k = 0; k < 3; k++) lut[i * 3 + k] = Math.round(Math.min(1, Math.max(0, c[k])) * 255);
    }
    lutCache.set(name, lut);
  }
  return lut;
}

export interface ColorizeOptions {
  colormap?: ColormapName;
  /** Value mapped to the first colour (default: 2nd percentile of the finite values). */
  min?: number;
  /** Value mapped to the last colour (default: 98th percentile). */
  max?: number;
  /** RGBA output (for ImageData / canvas) instead of RGB. */
  rgba?: boolean;
}

/** Robust display range: the 2nd and 98th percentiles of the finite values. */
export function displayRange(values: Float32Array): { min: number; max: number } {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return { min: 0, max: 1 };
  const step = Math.max(1, Math.floor(finite.length / 65536));
  const sample = Float32Array.from({ length: Math.ceil(finite.length / step) }, (_, i) => finite[i * step]).sort();
  const at = (q: number) => sample[Math.min(sample.length - 1, Math.floor(q * (sample.length - 1)))];
  const min = at(0.02);
  const max = at(0.98);
  return max > min ? { min, max } : { min, max: min + 1 };
}

/** Maps values (e.g. disparity: near = high) to colours. Non-finite values become black. */
export function colorize(values: Float32Array, options: ColorizeOptions = {}): Uint8ClampedArray {
  const lut = colormapLut(options.colormap ?? 'turbo');
  const range = options.min !== undefined && options.max !== undefined ? { min: options.min, max: options.max } : displayRange(values);
  const stride = options.rgba ? 4 : 3;
  const out = new Uint8ClampedArray(values.length * stride);
  const span = range.max - range.min || 1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (stride === 4) out[i * 4 + 3] = 255;
    if (!Number.isFinite(v)) continue;
    const k = Math.round(Math.min(1, Math.max(0, (v - range.min) / span)) * 255);
    out[i * stride] = lut[k * 3];
    out[i * stride + 1] = lut[k * 3 + 1];
    out[i * stride + 2] = lut[k * 3 + 2];
  }
  return out;
}
