import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { erfWasmConfig } from './erf-kernel.js';
import { stockKernels } from './stock.js';
import { winogradConv2DConfig, winogradFusedConv2DConfig, winogradState } from './winograd-kernels.js';
import { type WorkerFactory, WinogradPool, enableRelaxedSimd, winogradModule } from './winograd-pool.js';

/** The inference kernels, all for the wasm backend. */
export const INFERENCE_KERNELS: readonly KernelConfig[] = [winogradConv2DConfig, winogradFusedConv2DConfig, erfWasmConfig];

export interface RegisterInferenceKernelsOptions {
  /**
   * Threads of the Winograd conv, the calling thread included (default 1). More start a worker pool (Node
   * `worker_threads`; Web Workers in a browser, which needs a cross-origin-isolated page for shared memory).
   */
  threads?: number;
  /** Smallest input and output channel count the Winograd path takes (default 32); smaller convs stay on XNNPACK. */
  minChannels?: number;
  /**
   * Use the fused multiply-add (relaxed SIMD) variant of the kernel where the engine has relaxed SIMD (default
   * true; in Node 20 this sets V8's `--experimental-wasm-relaxed-simd`, see `enableRelaxedSimd`). Up to 10 % faster on
   * the AMD EPYC it was measured on (its separate add pipes already overlap mul + add); results differ from the plain
   * variant by rounding only.
   */
  fma?: boolean;
  /** Starts a pool worker (default: `worker_threads` in Node, a Blob-URL Web Worker elsewhere). */
  workerFactory?: WorkerFactory;
}

const key = (c: KernelConfig) => `${c.kernelName}/${c.backendName}`;

/**
 * Registers our Winograd F(4×4, 3×3) WebAssembly SIMD kernel as the wasm backend's `Conv2D` and `FusedConv2D`
 * (stride 1, 3×3, dilation 1, NHWC float32, Cin % 4 = 0, Cout % 8 = 0, both ≥ `minChannels`, activation linear
 * or relu; every other call goes to the stock XNNPACK kernel), and our SIMD `Erf` (the exact GELU's erf, computed
 * in place on the backend's memory; see `erfWasm`). Returns the kernels registered (`Name/wasm`):
 * empty where the engine lacks WebAssembly SIMD or shared memory, in which case the stock kernels stay. Call it
 * again to change the options; `unregisterInferenceKernels()` restores the stock kernels and stops the workers.
 */
export async function registerInferenceKernels(options: RegisterInferenceKernelsOptions = {}): Promise<string[]> {
  const threads = options.threads ?? 1;
  const minChannels = options.minChannels ?? 32;
  if (!Number.isInteger(minChannels) || minChannels < 4) throw new Error(`registerInferenceKernels: minChannels must be an integer ≥ 4, got ${minChannels}`);
  for (const config of INFERENCE_KERNELS) {
    if (!tf.getKernel(config.kernelName, config.backendName)) {
      throw new Error(
        `registerInferenceKernels: the wasm backend has no ${config.kernelName} kernel to fall back on (import @tensorflow/tfjs-backend-wasm first)`,
      );
    }
  }
  // The variant the pool will run: FMA only where requested and the engine has relaxed SIMD.
  const fma = (options.fma ?? true) && (await enableRelaxedSimd()) && winogradModule(true) !== null;
  const current = winogradState.pool;
  if (!current || current.threads !== threads || current.fma !== fma) {
    const pool = await WinogradPool.create(threads, options.workerFactory, { fma });
    if (!pool) return [];
    current?.dispose();
    winogradState.pool = pool;
  }
  winogradState.minChannels = minChannels;
  const added: string[] = [];
  for (const config of INFERENCE_KERNELS) {
    const existing = tf.getKernel(config.kernelName, config.backendName);
    if (!existing || existing.kernelFunc === config.kernelFunc) continue;
    stockKernels.set(key(config), existing);
    tf.unregisterKernel(config.kernelName, config.backendName);
    tf.registerKernel(config);
    added.push(key(config));
  }
  return added;
}

/** Restores the stock `Conv2D` / `FusedConv2D` / `Erf` wasm kernels and terminates the Winograd workers. */
export function unregisterInferenceKernels(): void {
  for (const config of INFERENCE_KERNELS) {
    if (tf.getKernel(config.kernelName, config.backendName)?.kernelFunc !== config.kernelFunc) continue;
    tf.unregisterKernel(config.kernelName, config.backendName);
    const previous = stockKernels.get(key(config));
    if (previous) tf.registerKernel(previous);
    stockKernels.delete(key(config));
  }
  winogradState.pool?.dispose();
  winogradState.pool = null;
}

/** Which inference kernels are registered now (as `Name/wasm`). */
export function registeredInferenceKernels(): string[] {
  return INFERENCE_KERNELS.filter((c) => tf.getKernel(c.kernelName, c.backendName)?.kernelFunc === c.kernelFunc).map(key);
}
