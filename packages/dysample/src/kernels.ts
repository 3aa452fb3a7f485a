import * as tf from '@tensorflow/tfjs-core';
import { type Shape4, gridSampleBackward, gridSampleForward, readGridSampleAttrs } from './grid-sample-impl.js';
import type { WasmBackendLike } from '@anydepth/kernels';
import { gridSampleBackwardWasm, gridSampleForwardWasm } from './grid-sample-wasm.js';
import { registerWebGPUGridSampleKernels } from './webgpu.js';

/** Kernel name of the forward op: inputs {x [B,H,W,C], grid [B,Ho,Wo,2]}, attrs {@link GridSampleAttrs}. */
export const GRID_SAMPLE = 'AnyDepthGridSample';
/** Kernel name of the backward op: inputs {dy, x, grid}; outputs [dx, dgrid]. */
export const GRID_SAMPLE_GRAD = 'AnyDepthGridSampleGrad';

/** Backends with a typed-array kernel. */
export const TYPED_ARRAY_BACKENDS = ['cpu', 'wasm'] as const;

/** Minimal views of the two backends' interfaces, so no backend package is imported. */
interface CpuLikeBackend {
  readSync(dataId: tf.DataId): unknown;
  write(values: Float32Array, shape: number[], dtype: tf.DataType): tf.DataId;
}

interface WasmLikeBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

/** Runs `fill` on the inputs' values and zero-filled outputs of `outShapes`, the way one backend holds its data. */
type TypedArrayRun = (
  backend: unknown,
  inputs: tf.TensorInfo[],
  outShapes: number[][],
  fill: (inputs: Float32Array[], outputs: Float32Array[]) => void,
) => tf.TensorInfo[];

// cpu: values are JS arrays; outputs are computed in fresh arrays and written to the backend afterwards.
const cpuRun: TypedArrayRun = (backend, inputs, outShapes, fill) => {
  const be = backend as unknown as CpuLikeBackend;
  const outputs = outShapes.map((s) => new Float32Array(tf.util.sizeFromShape(s)));
  fill(
    inputs.map((t) => be.readSync(t.dataId) as Float32Array),
    outputs,
  );
  return outputs.map((values, i) => ({ dataId: be.write(values, outShapes[i], 'float32'), shape: outShapes[i], dtype: 'float32' as const }));
};

// wasm: inputs already live in the WASM heap; outputs are allocated there with makeOutput and written in place.
// Views are taken after every allocation because the heap may grow.
const wasmRun: TypedArrayRun = (backend, inputs, outShapes, fill) => {
  const be = backend as unknown as WasmLikeBackend;
  const outputs = outShapes.map((s) => be.makeOutput(s, 'float32'));
  const outValues = outputs.map((o) => be.typedArrayFromHeap(o).fill(0));
  fill(
    inputs.map((t) => be.typedArrayFromHeap(t)),
    outValues,
  );
  return outputs;
};

function checkFloat(infos: tf.TensorInfo[]): void {
  for (const t of infos) {
    if (t.dtype !== 'float32') throw new Error(`${GRID_SAMPLE}: expected float32 tensors, got ${t.dtype} [${t.shape}]`);
  }
}

function forwardKernel(run: TypedArrayRun, fast?: typeof gridSampleForwardWasm): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x, grid } = inputs as { x: tf.TensorInfo; grid: tf.TensorInfo };
    checkFloat([x, grid]);
    const a = readGridSampleAttrs(attrs as tf.NamedAttrMap);
    const done = fast?.(backend as unknown as WasmBackendLike, x, grid, a);
    if (done) return done;
    const shape = [x.shape[0], grid.shape[1], grid.shape[2], x.shape[3]];
    return run(backend, [x, grid], [shape], ([xv, gv], [out]) =>
      gridSampleForward(xv, x.shape as unknown as Shape4, gv, grid.shape as unknown as Shape4, a, out),
    )[0];
  };
}

function backwardKernel(run: TypedArrayRun, fast?: typeof gridSampleBackwardWasm): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { dy, x, grid } = inputs as { dy: tf.TensorInfo; x: tf.TensorInfo; grid: tf.TensorInfo };
    checkFloat([dy, x, grid]);
    const a = readGridSampleAttrs(attrs as tf.NamedAttrMap);
    const done = fast?.(backend as unknown as WasmBackendLike, dy, x, grid, a);
    if (done) return done;
    return run(backend, [dy, x, grid], [[...x.shape], [...grid.shape]], ([dyv, xv, gv], [dx, dgrid]) =>
      gridSampleBackward(dyv, xv, x.shape as unknown as Shape4, gv, grid.shape as unknown as Shape4, a, dx, dgrid),
    );
  };
}

let registered = false;

/**
 * Registers the grid-sample kernels (cpu, wasm and webgpu) and the gradient. Idempotent; called by
 * `gridSample` on first use. Registering a kernel for a backend that is not loaded is harmless.
 */
export function registerGridSampleKernels(): void {
  if (registered) return;
  registered = true;
  const runs = { cpu: cpuRun, wasm: wasmRun } as const;
  for (const backendName of TYPED_ARRAY_BACKENDS) {
    // wasm: bilinear 'zeros' / 'border' sampling on the SIMD module (grid-sample-wasm.ts), the rest here
    const wasm = backendName === 'wasm';
    const forward = forwardKernel(runs[backendName], wasm ? gridSampleForwardWasm : undefined);
    const backward = backwardKernel(runs[backendName], wasm ? gridSampleBackwardWasm : undefined);
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
