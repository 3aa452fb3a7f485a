import * as tf from '@tensorflow/tfjs-core';
import { type GridSampleAttrs, readGridSampleAttrs } from './grid-sample-impl.js';

/**
 * WGSL kernels for tfjs' 'webgpu' backend, written against its program interface
 * (`backend.runWebGPUProgram(program, inputs, dtype, uniforms?, output?)`) without importing
 * @tensorflow/tfjs-backend-webgpu: a program is a plain object. The backend generates the buffer
 * bindings (`result`, one array per input name), the `uniforms` struct (`<name>Shape`,
 * `outShape`, `size`) and the entry point that calls `main(index)`.
 *
 * - forward: one invocation per output element (b, p, c);
 * - dgrid: one invocation per (b, p, axis), summing over channels;
 * - dx: one invocation per dy element, scattering into dx with a compare-exchange float add
 *   (WGSL has no float atomics), after a zero-fill pass.
 */

interface WebGPUProgramLike {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  size?: boolean;
  atomic?: boolean;
  getUserCode: () => string;
}

interface WebGPUBackendLike {
  runWebGPUProgram(program: WebGPUProgramLike, inputs: tf.TensorInfo[], dtype: tf.DataType, uniforms?: unknown, output?: tf.TensorInfo): tf.TensorInfo;
}

const WORKGROUP: [number, number, number] = [64, 1, 1];

function flatProgram(
  name: string,
  variableNames: string[],
  outputShape: number[],
  dispatchShape: number[],
  userCode: string,
  extra: Partial<WebGPUProgramLike> = {},
): WebGPUProgramLike {
  const threads = dispatchShape.reduce((a, b) => a * b, 1);
  return {
    variableNames,
    outputShape,
    shaderKey: name,
    dispatchLayout: { x: outputShape.map((_, i) => i) },
    dispatch: [Math.ceil(threads / WORKGROUP[0]), 1, 1],
    workgroupSize: WORKGROUP,
    getUserCode: () => userCode,
    ...extra,
  };
}

function attrsKey(a: GridSampleAttrs): string {
  return `${a.mode}_${a.paddingMode}_${a.alignCorners ? 1 : 0}_g${a.groups ?? 1}`;
}

/**
 * WGSL for the padded source index of a coordinate: returns (index, d index / d coord). With
 * 'zeros' padding a non-finite coordinate returns index -100 (ATen's marker: no contribution);
 * 'border'/'reflection' send NaN to 0. NaN/Inf are detected from the bits, since WGSL compilers may
 * assume finite floats.
 */
function sourceIndexWGSL(a: GridSampleAttrs): string {
  const unnorm = a.alignCorners ? 'let g = (fs - 1.0) * 0.5; let v = (coord + 1.0) * g;' : 'let g = fs * 0.5; let v = (coord + 1.0) * g - 0.5;';
  let body: string;
  if (a.paddingMode === 'zeros') {
    body = `if (!gsFinite(coord) || !gsFinite(v)) { return vec2<f32>(-100.0, 0.0); }
    return vec2<f32>(v, g);`;
  } else if (a.paddingMode === 'border') {
    body = `if (gsIsNan(coord) || gsIsNan(v)) { return vec2<f32>(0.0, 0.0); }
    return gsClip(v, fs, g);`;
  } else {
    const [min, span] = a.alignCorners ? ['0.0', 'fs - 1.0'] : ['-0.5', 'fs'];
    body = `if (!gsFinite(coord) || !gsFinite(v)) { return vec2<f32>(0.0, 0.0); }
    let mn = ${min};
    let span = ${span};
    if (span <= 0.0) { return vec2<f32>(0.0, 0.0); }
    var d = v - mn;
    var sign = 1.0;
    if (d < 0.0) { sign = -1.0; d = -d; }
    let flips = floor(d / span);
    let extra = d - flips * span;
    var r = extra + mn;
    if (flips - 2.0 * floor(flips * 0.5) != 0.0) { r = span - extra + mn; sign = -sign; }
    return gsClip(r, fs, g * sign);`;
  }
  return `
  fn gsFinite(v : f32) -> bool { return (bitcast<u32>(v) & 0x7fffffffu) < 0x7f800000u; }
  fn gsIsNan(v : f32) -> bool { return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u; }
  fn gsClip(v : f32, fs : f32, g : f32) -> vec2<f32> {
    if (v <= 0.0) { return vec2<f32>(0.0, 0.0); }
    if (v >= fs - 1.0) { return vec2<f32>(fs - 1.0, 0.0); }
    return vec2<f32>(v, g);
  }
  fn gsSource(coord : f32, size : i32) -> vec2<f32> {
    let fs = f32(size);
    ${unnorm}
    ${body}
  }`;
}

/** Common prologue: sizes; G (channel groups) is baked into the shader. */
function prologue(a: GridSampleAttrs, shapeOf = 'uniforms.xShape'): string {
  return `
    let H = ${shapeOf}[1];
    let W = ${shapeOf}[2];
    let C = ${shapeOf}[3];
    let G = ${a.groups ?? 1};
    let Cg = C / G;
    let P = uniforms.gridShape[1] * uniforms.gridShape[2];`;
}

/*
 * WGSL shared by the three programs (forward gather, input-gradient scatter, grid gradient), composed as text: a
 * shader cannot call back into JS, so each program gets the same lines inlined. `sx`, `sy` (from gsSource), `W`, `H`
 * must be in scope.
 */
/** 'nearest': the rounded source pixel (xn, yn); `inside` runs when it lies in the image. */
function nearestWGSL(inside: string): string {
  return `
      let xn = round(sx.x);
      let yn = round(sy.x);
      if (xn >= 0.0 && xn <= f32(W - 1) && yn >= 0.0 && yn <= f32(H - 1)) {
        ${inside}
      }`;
}

/** 'bilinear': the cell's top-left corner (x0, y0) and weights (tx, ty); `inside` runs when any corner is in the image. */
function bilinearCellWGSL(inside: string): string {
  return `
      let x0f = floor(sx.x);
      let y0f = floor(sy.x);
      if (x0f >= -1.0 && x0f <= f32(W - 1) && y0f >= -1.0 && y0f <= f32(H - 1)) {
        let tx = sx.x - x0f;
        let ty = sy.x - y0f;
        let x0 = i32(x0f);
        let y0 = i32(y0f);${inside}
      }`;
}

/** The four corners (cx, cy) = (x0 + ox, y0 + oy) of a bilinear cell; `inside` runs for each one in the image. */
function cornersWGSL(inside: string): string {
  return `
        for (var k = 0; k < 4; k = k + 1) {
          let ox = k % 2;
          let oy = k / 2;
          let cx = x0 + ox;
          let cy = y0 + oy;
          if (cx >= 0 && cx < W && cy >= 0 && cy < H) {${inside}
          }
        }`;
}

function forwardProgram(xShape: number[], gridShape: number[], a: GridSampleAttrs): WebGPUProgramLike {
  const out = [xShape[0], gridShape[1], gridShape[2], xShape[3]];
  const sample =
    a.mode === 'nearest'
      ? nearestWGSL('acc = x[base + (i32(yn) * W + i32(xn)) * C];')
      : bilinearCellWGSL(`
        if (x0 >= 0 && y0 >= 0) { acc = acc + (1.0 - tx) * (1.0 - ty) * x[base + (y0 * W + x0) * C]; }
        if (x0 + 1 < W && y0 >= 0) { acc = acc + tx * (1.0 - ty) * x[base + (y0 * W + x0 + 1) * C]; }
        if (x0 >= 0 && y0 + 1 < H) { acc = acc + (1.0 - tx) * ty * x[base + ((y0 + 1) * W + x0) * C]; }
        if (x0 + 1 < W && y0 + 1 < H) { acc = acc + tx * ty * x[base + ((y0 + 1) * W + x0 + 1) * C]; }`);
  const code = `${sourceIndexWGSL(a)}
  ${main('index')} {
    if (index >= uniforms.size) { return; }
    ${prologue(a)}
    let c = index % C;
    let q = index / C;
    let b = q / P;
    let gq = (b * G + c / Cg) * P + q % P;
    let sx = gsSource(grid[gq * 2], W);
    let sy = gsSource(grid[gq * 2 + 1], H);
    let base = b * H * W * C + c;
    var acc = 0.0;
    if (sx.x > -50.0 && sy.x > -50.0) {${sample}
    }
    setOutputAtIndex(index, acc);
  }`;
  return flatProgram(`anydepthGridSample_${attrsKey(a)}`, ['x', 'grid'], out, out, code, { size: true });
}

/** dgrid [B, Ho, Wo, 2] for 'bilinear': one invocation per (point, axis). */
function gridGradProgram(xShape: number[], gridShape: number[], a: GridSampleAttrs): WebGPUProgramLike {
  const body = `
    if (sx.x > -50.0 && sy.x > -50.0) {${bilinearCellWGSL(`
        let dyBase = (b * P + q % P) * C + g * Cg;
        ${cornersWGSL(`
            let s = b * H * W * C + (cy * W + cx) * C + g * Cg;
            var dot = 0.0;
            for (var c = 0; c < Cg; c = c + 1) { dot = dot + x[s + c] * dy[dyBase + c]; }
            let wx = select(1.0 - tx, tx, ox == 1);
            let wy = select(1.0 - ty, ty, oy == 1);
            let sgn = select(-1.0, 1.0, select(oy, ox, axis == 0) == 1);
            acc = acc + sgn * select(wx, wy, axis == 0) * dot;`)}`)}
    }
    acc = acc * select(sy.y, sx.y, axis == 0);`;
  const code = `${sourceIndexWGSL(a)}
  ${main('index')} {
    if (index >= uniforms.size) { return; }
    ${prologue(a)}
    let axis = index % 2;
    let q = index / 2;
    let b = q / P / G;
    let g = (q / P) % G;
    let sx = gsSource(grid[q * 2], W);
    let sy = gsSource(grid[q * 2 + 1], H);
    var acc = 0.0;${body}
    setOutputAtIndex(index, acc);
  }`;
  return flatProgram(`anydepthGridSampleGradGrid_${attrsKey(a)}`, ['dy', 'x', 'grid'], [...gridShape], [...gridShape], code, { size: true });
}

function atomicAddF32(ptr: string, value: string): string {
  return `{
          var old = atomicLoad(${ptr});
          loop {
            let res = atomicCompareExchangeWeak(${ptr}, old, bitcast<i32>(bitcast<f32>(old) + (${value})));
            if (res.exchanged) { break; }
            old = res.old_value;
          }
        }`;
}

/** dx [B, H, W, C] (zero-filled beforehand): one invocation per dy element, atomically scattered. */
function inputGradProgram(xShape: number[], gridShape: number[], a: GridSampleAttrs): WebGPUProgramLike {
  const dyShape = [xShape[0], gridShape[1], gridShape[2], xShape[3]];
  const scatter =
    a.mode === 'nearest'
      ? nearestWGSL(`
        let t = base + (i32(yn) * W + i32(xn)) * C;
        ${atomicAddF32('&result[t]', 'g')}`)
      : bilinearCellWGSL(
          cornersWGSL(`
            let w = select(1.0 - tx, tx, ox == 1) * select(1.0 - ty, ty, oy == 1);
            let t = base + (cy * W + cx) * C;
            ${atomicAddF32('&result[t]', 'w * g')}`),
        );
  const code = `${sourceIndexWGSL(a)}
  ${main('index')} {
    ${prologue(a, 'uniforms.outShape')}
    if (index >= uniforms.outShape[0] * P * C) { return; }
    let c = index % C;
    let q = index / C;
    let b = q / P;
    let gq = (b * G + c / Cg) * P + q % P;
    let g = dy[index];
    let sx = gsSource(grid[gq * 2], W);
    let sy = gsSource(grid[gq * 2 + 1], H);
    let base = b * H * W * C + c;
    if (sx.x > -50.0 && sy.x > -50.0) {${scatter}
    }
  }`;
  return flatProgram(`anydepthGridSampleGradInput_${attrsKey(a)}`, ['dy', 'grid'], [...xShape], dyShape, code, { atomic: true });
}

function zeroProgram(shape: number[]): WebGPUProgramLike {
  const code = `
  ${main('index')} {
    if (index < uniforms.size) { setOutputAtIndex(index, 0.0); }
  }`;
  return flatProgram('anydepthZeros', [], shape, shape, code, { size: true });
}

/** tfjs-backend-webgpu's `main(index)` header (getMainHeaderString('index')). */
function main(index: string): string {
  return `fn main(${index} : i32)`;
}

const webgpuForward: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, grid } = inputs as { x: tf.TensorInfo; grid: tf.TensorInfo };
  const be = backend as unknown as WebGPUBackendLike;
  return be.runWebGPUProgram(forwardProgram([...x.shape], [...grid.shape], readGridSampleAttrs(attrs as tf.NamedAttrMap)), [x, grid], 'float32');
};

const webgpuBackward: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, x, grid } = inputs as { dy: tf.TensorInfo; x: tf.TensorInfo; grid: tf.TensorInfo };
  const be = backend as unknown as WebGPUBackendLike;
  const a = readGridSampleAttrs(attrs as tf.NamedAttrMap);
  const zeros = be.runWebGPUProgram(zeroProgram([...x.shape]), [], 'float32');
  const dx = be.runWebGPUProgram(inputGradProgram([...x.shape], [...grid.shape], a), [dy, grid], 'float32', undefined, zeros);
  // 'nearest' has a zero grid gradient (a program that ignores its inputs would not bind them).
  const dgrid =
    a.mode === 'nearest'
      ? be.runWebGPUProgram(zeroProgram([...grid.shape]), [], 'float32')
      : be.runWebGPUProgram(gridGradProgram([...x.shape], [...grid.shape], a), [dy, x, grid], 'float32');
  return [dx, dgrid];
};

/** Registers the WGSL forward and backward kernels for the 'webgpu' backend (harmless when it is absent). */
export function registerWebGPUGridSampleKernels(): void {
  if (!tf.getKernel('AnyDepthGridSample', 'webgpu')) {
    tf.registerKernel({ kernelName: 'AnyDepthGridSample', backendName: 'webgpu', kernelFunc: webgpuForward });
  }
  if (!tf.getKernel('AnyDepthGridSampleGrad', 'webgpu')) {
    tf.registerKernel({ kernelName: 'AnyDepthGridSampleGrad', backendName: 'webgpu', kernelFunc: webgpuBackward });
  }
}
