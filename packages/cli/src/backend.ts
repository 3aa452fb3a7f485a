import { availableParallelism } from 'node:os';
import { type BackendName, useBackend } from '@anydepth/core';
import { useThreadedWasm } from '@anydepth/core/node';
import { registerInferenceKernels } from '@anydepth/kernels';
import { CliError } from './errors.js';

/**
 * `useBackend` for the CLI, with backend errors as CLI errors. Wasm — what `auto` picks in Node without
 * libtensorflow — runs XNNPACK on every core (`useThreadedWasm`: 2.1× faster for the DINOv3-S encoder at 768 px on
 * 2 cores) and, with `winograd`, stride-1 3×3 convolutions (most of the SDT head) in our Winograd kernel on every
 * core (bench/onnx-runtime.ts) plus our SIMD erf. Predict, eval and train all ask for it: in training the forward
 * convs and the stride-1 input gradients (forward convs of the flipped filter) take it, 1.31× off an SDT step
 * (bench/train-step.ts --winograd). Training adds its own kernels. Returns the backend's name.
 */
export async function startBackend(name: BackendName, log: (line: string) => void, options: { winograd: boolean }): Promise<string> {
  const threads = availableParallelism();
  const startWasm =
    threads > 1
      ? () =>
          useThreadedWasm({ threads }).catch((e: Error) => {
            log(`note: XNNPACK runs on one thread (${e.message.split('\n')[0]})`);
            throw e;
          })
      : undefined;
  const backend = await useBackend(name, { startWasm }).catch((e: Error) => {
    throw new CliError(e.message);
  });
  if (backend !== 'wasm') return backend;
  const winograd = options.winograd
    ? await registerInferenceKernels({ threads }).catch((e: Error) => {
        log(`note: the Winograd conv kernel is off (${e.message}); XNNPACK runs every convolution`);
        return [];
      })
    : [];
  if (winograd.length > 0 || threads > 1) log(`wasm: ${threads} thread(s)${winograd.length > 0 ? ', Winograd 3×3 convolutions' : ''}`);
  return backend;
}
