import * as tf from '@tensorflow/tfjs-core';
import { type GridSampleAttrs, type Shape4, gridSampleBackward, gridSampleForward } from './grid-sample-impl.js';
import { registerWebGPUGridSampleKernels } from './webgpu.js';

/** Kernel name of the forward op: inputs {x [B,H,W,C], grid [B,Ho,Wo,2]}, attrs {@link GridSampleAttrs}. */
export const GRID_SAMPLE = 'AnyDepthGridSample';
/** Kernel name of the backward op: inputs {dy, x, grid}; outputs [dx, dgrid]. */
export const GRID_SAMPLE_GRAD = 'AnyDepthGridSampleGrad';

/** Backends with a typed-array kernel. */
export const TYPED_ARRAY_BACKENDS = ['cpu', 'wasm'] as const;

type FloatArray = Float32Array;

/** Minimal views of the two backends' interfaces, so no backend package is imported. */
interface CpuLikeBackend {
  readSync(dataId: tf.DataId): unknown;
  write(values: Float32Array, shape: number[], dtype: tf.DataType): tf.DataId;
}
interface WasmLikeBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

function readAttrs(attrs: tf.NamedAttrMap): GridSampleAttrs {
  return {
    mode: attrs.mode as GridSampleAttrs['mode'],
    paddingMode: attrs.paddingMode as GridSampleAttrs['paddingMode'],
    alignCorners: attrs.alignCorners as boolean,
    groups: (attrs.groups as number | undefined) ?? 1,
  };
}

function outShape(x: tf.TensorInfo, grid: tf.TensorInfo): number[] {
  return [x.shape[0], grid.shape[1], grid.shape[2], x.shape[3]];
}

function checkFloat(infos: tf.TensorInfo[]): void {
  for (const t of infos) {
    if (t.dtype !== 'float32') throw new Error(`${GRID_SAMPLE}: expected float32 tensors, got ${t.dtype} [${t.shape}]`);
  }
}

const cpuForward: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, grid } = inputs as { x: tf.TensorInfo; grid: tf.TensorInfo };
  checkFloat([x, grid]);
  const be = backend as unknown as CpuLikeBackend;
  const shape = outShape(x, grid);
  const out = new Float32Array(shape[0] * shape[1] * shape[2] * shape[3]);
  gridSampleForward(
    be.readSync(x.dataId) as FloatArray,
    x.shape as unknown as Shape4,
    be.readSync(grid.dataId) as FloatArray,
    grid.shape as unknown as Shape4,
    readAttrs(attrs as tf.NamedAttrMap),
    out,
  );
  return { dataId: be.write(out, shape, 'float32'), shape, dtype: 'float32' };
};

const cpuBackward: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, x, grid } = inputs as { dy: tf.TensorInfo; x: tf.TensorInfo; grid: tf.TensorInfo };
  checkFloat([dy, x, grid]);
  const be = backend as unknown as CpuLikeBackend;
  const dx = new Float32Array(tf.util.sizeFromShape(x.shape));
  const dgrid = new Float32Array(tf.util.sizeFromShape(grid.shape));
  gridSampleBackward(
    be.readSync(dy.dataId) as FloatArray,
    be.readSync(x.dataId) as FloatArray,
    x.shape as unknown as Shape4,
    be.readSync(grid.dataId) as FloatArray,
    grid.shape as unknown as Shape4,
    readAttrs(attrs as tf.NamedAttrMap),
    dx,
    dgrid,
  );
  return [
    { dataId: be.write(dx, [...x.shape], 'float32'), shape: [...x.shape], dtype: 'float32' },
    { dataId: be.write(dgrid, [...grid.shape], 'float32'), shape: [...grid.shape], dtype: 'float32' },
  ];
};

// wasm: inputs already live in the WASM heap; outputs are allocated there with makeOutput and
// written in place. Views are taken after every allocation because the heap may grow.
const wasmForward: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, grid } = inputs as { x: tf.TensorInfo; grid: tf.TensorInfo };
  checkFloat([x, grid]);
  const be = backend as unknown as WasmLikeBackend;
  const out = be.makeOutput(outShape(x, grid), 'float32');
  const outVals = be.typedArrayFromHeap(out);
  outVals.fill(0);
  gridSampleForward(
    be.typedArrayFromHeap(x),
    x.shape as unknown as Shape4,
    be.typedArrayFromHeap(grid),
    grid.shape as unknown as Shape4,
    readAttrs(attrs as tf.NamedAttrMap),
    outVals,
  );
  return out;
};

const wasmBackward: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, x, grid } = inputs as { dy: tf.TensorInfo; x: tf.TensorInfo; grid: tf.TensorInfo };
  checkFloat([dy, x, grid]);
  const be = backend as unknown as WasmLikeBackend;
  const dx = be.makeOutput([...x.shape], 'float32');
  const dgrid = be.makeOutput([...grid.shape], 'float32');
  const dxVals = be.typedArrayFromHeap(dx);
  const dgridVals = be.typedArrayFromHeap(dgrid);
  dxVals.fill(0);
  dgridVals.fill(0);
  gridSampleBackward(
    be.typedArrayFromHeap(dy),
    be.typedArrayFromHeap(x),
    x.shape as unknown as Shape4,
    be.typedArrayFromHeap(grid),
    grid.shape as unknown as Shape4,
    readAttrs(attrs as tf.NamedAttrMap),
    dxVals,
    dgridVals,
  );
  return [dx, dgrid];
};

let registered = false;

/**
 * Registers the grid-sample kernels (cpu, wasm and webgpu) and the gradient. Idempotent; called by
 * `gridSample` on first use. Registering a kernel for a backend that is not loaded is harmless.
 */
export function registerGridSampleKernels(): void {
  if (registered) return;
  registered = true;
  const impls = { cpu: [cpuForward, cpuBackward], wasm: [wasmForward, wasmBackward] } as const;
  for (const backendName of TYPED_ARRAY_BACKENDS) {
    const [forward, backward] = impls[backendName];
    if (!tf.getKernel(GRID_SAMPLE, backendName)) tf.registerKernel({ kernelName: GRID_SAMPLE, backendName, kernelFunc: forward });
    if (!tf.getKernel(GRID_SAMPLE_GRAD, backendName)) {
      tf.registerKernel({ kernelName: GRID_SAMPLE_GRAD, backendName, kernelFunc: backward });
    }
  }
  registerWebGPUGridSampleKernels();
  if (!tf.getGradient(GRID_SAMPLE)) {
    tf.registerGradient({
      kernelName: GRID_SAMPLE,
      inputsToSave: ['x', 'grid'],
      gradFunc: (dy, saved, attrs) => {
        const [x, grid] = saved;
        // One backward pass yields both gradients; an unused one is disposed by the backward tidy.
        const [dx, dgrid] = tf.engine().runKernel(GRID_SAMPLE_GRAD, { dy: dy as tf.Tensor, x, grid }, attrs) as tf.Tensor[];
        return { x: () => dx, grid: () => dgrid };
      },
    });
  }
}

/** True when the active backend has a dedicated grid-sample kernel (forward and backward). */
export function hasGridSampleKernel(backendName = tf.getBackend()): boolean {
  registerGridSampleKernels();
  return !!tf.getKernel(GRID_SAMPLE, backendName) && !!tf.getKernel(GRID_SAMPLE_GRAD, backendName);
}
