import * as tf from '@tensorflow/tfjs-core';
import { Conv2d, Layer, type Rng, normalInit } from '@anydepth/core';
import { gridSample } from './grid-sample.js';

export interface DySampleOptions {
  inChannels: number;
  /** Upsampling factor s (default 2). */
  scale?: number;
  /** 'lp' (linear → pixel shuffle, default; AnyDepth's choice) or 'pl' (pixel shuffle → linear). */
  style?: 'lp' | 'pl';
  /** Channel groups G sharing one sampling offset (default 4). */
  groups?: number;
  /** Dynamic scope (DySample+): offsets are scaled by sigmoid(scope(x))·0.5 instead of the static 0.25. */
  dyscope?: boolean;
  /** Generator for the N(0, 0.001²) offset initialisation (defaults to the global one). */
  rng?: Rng;
}

/** PyTorch pixel_shuffle in NHWC: channel c·s² + i·s + j of pixel (y, x) goes to (s·y+i, s·x+j, c). */
export function pixelShuffle(x: tf.Tensor4D, s: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [B, H, W, C] = x.shape;
    const c = C / (s * s);
    const t = tf.reshape(x, [B, H, W, c, s, s]); // [B, H, W, c, i, j]
    return tf.reshape(tf.transpose(t, [0, 1, 4, 2, 5, 3]), [B, H * s, W * s, c]) as tf.Tensor4D; // [B, sH, sW, c]
  });
}

/** Inverse of {@link pixelShuffle}: (s·y+i, s·x+j, k) goes to channel k·s² + i·s + j of (y, x). */
export function pixelUnshuffle(x: tf.Tensor4D, s: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [B, Hs, Ws, K] = x.shape;
    const t = tf.reshape(x, [B, Hs / s, s, Ws / s, s, K]); // [B, H, i, W, j, K]
    return tf.reshape(tf.transpose(t, [0, 1, 3, 5, 2, 4]), [B, Hs / s, Ws / s, K * s * s]) as tf.Tensor4D; // [B, H, W, K·s²]
  });
}

/**
 * A 1×1 convolution as a matrix product: same result as `conv.forward(x)`, but its gradients use
 * BatchMatMul, which every backend has (tfjs-backend-wasm has no Conv2DBackpropFilter kernel).
 */
function conv1x1(conv: Conv2d, x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [B, H, W, C] = x.shape;
    const w = tf.reshape(conv.weight, [C, conv.outChannels]); // [Cin, Cout] from HWIO [1, 1, Cin, Cout]
    let y = tf.matMul(tf.reshape(x, [B * H * W, C]), w); // [B·H·W, Cout]
    if (conv.bias) y = tf.add(y, conv.bias);
    return tf.reshape(y, [B, H, W, conv.outChannels]) as tf.Tensor4D;
  });
}

/**
 * The official `init_pos` buffer, shape (1, 2·G·s², 1, 1): channel k = c·G·s² + g·s² + i·s + j holds
 * h[j] for c = 0 (x) and h[i] for c = 1 (y), with h = arange(-(s-1)/2, (s-1)/2 + 1) / s.
 */
export function initPos(scale: number, groups: number): tf.Tensor4D {
  const h = Array.from({ length: scale }, (_, k) => (k - (scale - 1) / 2) / scale);
  const values: number[] = [];
  for (let c = 0; c < 2; c++) {
    for (let g = 0; g < groups; g++) {
      for (let i = 0; i < scale; i++) for (let j = 0; j < scale; j++) values.push(c === 0 ? h[j] : h[i]);
    }
  }
  return tf.tensor4d(values, [1, 2 * groups * scale * scale, 1, 1]);
}

/**
 * DySample ("Learning to Upsample by Learning to Sample", Liu et al. 2023), NHWC: a point-sampling
 * upsampler whose per-pixel offsets come from a 1×1 convolution. Parameters `offset.weight`,
 * `offset.bias`, `scope.weight` (dyscope only) and the buffer `init_pos` carry the official names
 * and layouts. `forward(x)`: [B, H, W, C] → [B, s·H, s·W, C].
 */
export class DySample extends Layer {
  readonly inChannels: number;
  readonly scale: number;
  readonly style: 'lp' | 'pl';
  readonly groups: number;
  readonly dyscope: boolean;
  readonly offset: Conv2d;
  readonly scope: Conv2d | null;
  readonly initPos: tf.Variable;

  constructor(options: DySampleOptions) {
    super();
    const { inChannels, scale = 2, style = 'lp', groups = 4, dyscope = false } = options;
    if (!Number.isInteger(scale) || scale < 1) throw new Error(`DySample: scale must be a positive integer, got ${scale}`);
    if (style !== 'lp' && style !== 'pl') throw new Error(`DySample: style must be 'lp' or 'pl', got '${style}'`);
    if (inChannels % groups !== 0) throw new Error(`DySample: inChannels (${inChannels}) must be divisible by groups (${groups})`);
    if (style === 'pl' && inChannels % (scale * scale) !== 0) {
      throw new Error(`DySample: with style 'pl', inChannels (${inChannels}) must be divisible by scale² (${scale * scale})`);
    }
    this.inChannels = inChannels;
    this.scale = scale;
    this.style = style;
    this.groups = groups;
    this.dyscope = dyscope;
    const convIn = style === 'pl' ? inChannels / (scale * scale) : inChannels;
    const convOut = style === 'pl' ? 2 * groups : 2 * groups * scale * scale;
    this.offset = this.addModule('offset', new Conv2d(convIn, convOut, 1, { rng: options.rng }));
    // Official init: offset.weight ~ N(0, 0.001²), offset.bias = 0, scope.weight = 0.
    tf.tidy(() => {
      this.offset.weight.assign(normalInit(this.offset.weight.shape, 0.001, options.rng));
      this.offset.bias?.assign(tf.zeros([convOut]));
    });
    this.scope = dyscope ? this.addModule('scope', new Conv2d(convIn, convOut, 1, { bias: false, rng: options.rng })) : null;
    if (this.scope) tf.tidy(() => this.scope?.weight.assign(tf.zerosLike(this.scope.weight)));
    this.initPos = this.addBuffer('init_pos', initPos(scale, groups));
  }

  /** The sampling offsets in input-pixel units including `init_pos`, NHWC [B, H, W, 2·G·s²] (the official `offset` given to `sample`). */
  offsets(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const s = this.scale;
      const factor = this.dyscope ? 0.5 : 0.25;
      let off: tf.Tensor4D;
      if (this.style === 'lp') {
        off = conv1x1(this.offset, x); // [B, H, W, 2·G·s²]
        if (this.scope) off = tf.mul(off, tf.sigmoid(conv1x1(this.scope, x)));
      } else {
        const xs = pixelShuffle(x, s); // [B, sH, sW, C/s²]
        let o = conv1x1(this.offset, xs); // [B, sH, sW, 2·G]
        if (this.scope) o = tf.mul(o, tf.sigmoid(conv1x1(this.scope, xs)));
        off = pixelUnshuffle(o, s); // [B, H, W, 2·G·s²]
      }
      const pos = tf.reshape(this.initPos, [1, 1, 1, -1]); // [1, 1, 1, 2·G·s²]
      return tf.add(tf.mul(off, factor), pos) as tf.Tensor4D;
    });
  }

  /**
   * The official `sample(x, offset)`: bilinear grid sampling with border padding, align_corners=false.
   * `offset` may cover only input rows [rowStart, rowStart + n) (n = its height): the output is then the
   * s·n rows they produce, sampled from the whole of `x` with the whole image's normalisation — the
   * same values as those rows of the full output (row-band execution, model's tiled SDT tail, uses this).
   */
  sample(x: tf.Tensor4D, offset: tf.Tensor4D, rowStart = 0): tf.Tensor4D {
    return tf.tidy(() => {
      const [B, H, W] = x.shape;
      const n = offset.shape[1];
      if (rowStart < 0 || rowStart + n > H) throw new Error(`DySample.sample: offset rows [${rowStart}, ${rowStart + n}) outside the input's ${H} rows`);
      const s = this.scale;
      const G = this.groups;
      // Normalised coordinates 2·(base + off)/[W, H] − 1 with half-pixel base (X + 0.5, Y + 0.5).
      const xs = tf.reshape(tf.add(tf.range(0, W, 1, 'float32'), 0.5), [1, 1, W, 1, 1]);
      const ys = tf.reshape(tf.add(tf.range(rowStart, rowStart + n, 1, 'float32'), 0.5), [1, n, 1, 1, 1]);
      const base = tf.concat([tf.broadcastTo(xs, [1, n, W, 1, 1]), tf.broadcastTo(ys, [1, n, W, 1, 1])], 3); // [1, n, W, 2, 1]
      const norm = tf.reshape(tf.tensor1d([2 / W, 2 / H]), [1, 1, 1, 2, 1]);
      const off = tf.reshape(offset, [B, n, W, 2, G * s * s]); // [B, n, W, 2, G·s²]
      const coords = tf.sub(tf.mul(tf.add(off, base), norm), 1); // [B, n, W, 2, G·s²]
      // [b, y, x, c, g, i, j] → [b, g, y, i, x, j, c] → [B·G, s·n, sW, 2], in two transposes of rank ≤ 6
      // (the webgpu backend supports no rank-7 transpose).
      const t1 = tf.transpose(tf.reshape(coords, [B * n, W, 2, G, s, s]), [0, 3, 4, 1, 5, 2]); // [B·n, G, i, W, j, 2]
      const t2 = tf.transpose(tf.reshape(t1, [B, n, G, s * W * s * 2]), [0, 2, 1, 3]); // [B, G, n, i·W·j·2]
      const grid = tf.reshape(t2, [B * G, n * s, W * s, 2]);
      // Channel c belongs to group floor(c / (C/G)); the grouped sampler reads group g of image b
      // at grid b·G + g, i.e. grid_sample(x.reshape(B·G, C/G, H, W), grid) without transposes.
      return gridSample(x, grid, { mode: 'bilinear', paddingMode: 'border', alignCorners: false, groups: G }); // [B, s·n, sW, C]
    });
  }

  forward(x: tf.Tensor): tf.Tensor4D {
    if (x.rank !== 4 || x.shape[3] !== this.inChannels) {
      throw new Error(`DySample: expected NHWC input with ${this.inChannels} channels, got [${x.shape}]`);
    }
    return tf.tidy(() => this.sample(x as tf.Tensor4D, this.offsets(x as tf.Tensor4D)));
  }
}
