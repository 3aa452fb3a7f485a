import { availableParallelism } from 'node:os';
import { type BackendName, useBackend } from '@anydepth/core';
import { useThreadedWasm } from '@anydepth/core/node';
import { registerInferenceKernels } from '@anydepth/kernels';
import { CliError } from './errors.js';

function hasNavigatorGpu(): boolean {
  return !!(globalThis.navigator as { gpu?: unknown } | undefined)?.gpu;
}

/**
 * Starts the backend for inference (predict, eval). As `useBackend`, except that wasm — what `auto` picks in Node
 * without libtensorflow — runs XNNPACK on every core (`useThreadedWasm`: 2.1× faster for the DINOv3-S encoder at
 * 768 px on 2 cores) and stride-1 3×3 convolutions (most of the SDT head) in our Winograd kernel on every core
 * (bench/onnx-runtime.ts). Returns the active backend's name.
 */
export async function startInferenceBackend(name: BackendName, log: (line: string) => void): Promise<string> {
  return startBackend(name, log, { winograd: true });
}

/**
 * `useBackend`, with wasm on every core: XNNPACK through `useThreadedWasm` and, with `winograd`, our Winograd conv
 * (inference; training keeps tfjs' forward kernels and adds the training kernels itself).
 */
export async function startBackend(name: BackendName, log: (line: string) => void, options: { winograd: boolean }): Promise<string> {
  let wanted: BackendName = name;
  if (name === 'auto') {
    const tensorflow = await useBackend('tensorflow').catch(() => null);
    if (tensorflow) return tensorflow;
    wanted = hasNavigatorGpu() ? 'auto' : 'wasm';
  }
  const threads = availableParallelism();
  let backend: string;
  if (wanted === 'wasm' && threads > 1) {
    backend = await useThreadedWasm({ threads })
      .then(() => 'wasm')
      .catch(async (e: Error) => {
        log(`note: XNNPACK runs on one thread (${e.message.split('\n')[0]})`);
        return useBackend('wasm');
      });
  } else {
    backend = await useBackend(wanted);
  }
  if (backend === 'wasm' && !options.winograd) {
    if (threads > 1) log(`wasm: ${threads} thread(s)`);
  } else if (backend === 'wasm') {
    const winograd = await registerInferenceKernels({ threads }).catch((e: Error) => {
      log(`note: the Winograd conv kernel is off (${e.message}); XNNPACK runs every convolution`);
      return [];
    });
    if (winograd.length > 0 || threads > 1) log(`wasm: ${threads} thread(s)${winograd.length > 0 ? ', Winograd 3×3 convolutions' : ''}`);
  }
  return backend;
}

/** `startInferenceBackend` with backend errors as CLI errors. */
export async function startInferenceBackendOrFail(name: BackendName, log: (line: string) => void): Promise<string> {
  return startBackend(name, log, { winograd: true }).catch((e: Error) => {
    throw new CliError(e.message);
  });
}

/** The training backend (wasm: XNNPACK on every core) with backend errors as CLI errors. */
export async function startTrainingBackendOrFail(name: BackendName, log: (line: string) => void): Promise<string> {
  return startBackend(name, log, { winograd: false }).catch((e: Error) => {
    throw new CliError(e.message);
  });
}
