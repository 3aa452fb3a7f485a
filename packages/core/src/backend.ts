import * as tf from '@tensorflow/tfjs-core';

export type BackendName = 'auto' | 'tensorflow' | 'wasm' | 'webgpu' | 'cpu';

/** Packages that provide each backend, in the order they are tried. */
export const BACKEND_PACKAGES: Record<Exclude<BackendName, 'auto'>, string[]> = {
  tensorflow: ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'],
  webgpu: ['@tensorflow/tfjs-backend-webgpu'],
  wasm: ['@tensorflow/tfjs-backend-wasm'],
  cpu: ['@tensorflow/tfjs-backend-cpu'],
};

export class BackendUnavailableError extends Error {
  constructor(
    readonly backend: string,
    message: string,
  ) {
    super(message);
    this.name = 'BackendUnavailableError';
  }
}

export interface UseBackendOptions {
  /**
   * Imports a package by name. Defaults to a dynamic `import()`; bundled browser apps that
   * import the backend package themselves never reach it, because an already registered
   * backend is used as is.
   */
  importer?: (specifier: string) => Promise<unknown>;
  /** Log the chosen backend. */
  verbose?: boolean;
  /**
   * Starts the wasm backend in place of the stock initialisation wherever wasm is chosen (by name or by `'auto'`),
   * e.g. `() => useThreadedWasm()` in Node for XNNPACK on every core. If it throws, the stock one runs.
   */
  startWasm?: () => Promise<unknown>;
}

const defaultImporter = (specifier: string): Promise<unknown> => import(/* @vite-ignore */ /* webpackIgnore: true */ specifier);

function isModuleNotFound(e: unknown, specifier: string): boolean {
  const err = e as { code?: string; message?: string };
  const msg = String(err?.message ?? '');
  return (
    err?.code === 'ERR_MODULE_NOT_FOUND' ||
    err?.code === 'MODULE_NOT_FOUND' ||
    (msg.includes(specifier) && /cannot find|not found|failed to resolve|failed to fetch/i.test(msg))
  );
}

function installHint(name: Exclude<BackendName, 'auto'>): string {
  switch (name) {
    case 'tensorflow':
      return (
        'install @tensorflow/tfjs-node-gpu (Linux x64 with CUDA 11.2 and cuDNN 8.1; its install step downloads libtensorflow) ' +
        'or @tensorflow/tfjs-node for the CPU build: npm install @tensorflow/tfjs-node-gpu'
      );
    default:
      return `install it: npm install ${BACKEND_PACKAGES[name][0]}@^4.22.0`;
  }
}

async function register(name: Exclude<BackendName, 'auto'>, importer: (s: string) => Promise<unknown>): Promise<void> {
  if (tf.findBackendFactory(name)) return;
  const failures: string[] = [];
  for (const specifier of BACKEND_PACKAGES[name]) {
    try {
      await importer(specifier);
      if (tf.findBackendFactory(name)) return;
      failures.push(`${specifier} loaded but registered no '${name}' backend`);
    } catch (e) {
      if (isModuleNotFound(e, specifier)) failures.push(`${specifier} is not installed`);
      else failures.push(`${specifier} failed to load: ${(e as Error).message}`);
    }
  }
  throw new BackendUnavailableError(name, `backend '${name}' is unavailable (${failures.join('; ')}); ${installHint(name)}`);
}

async function activate(name: Exclude<BackendName, 'auto'>): Promise<void> {
  const ok = await tf.setBackend(name);
  if (!ok) {
    const hint = name === 'webgpu' ? ' (no WebGPU adapter: in browsers enable WebGPU; in Node provide navigator.gpu, e.g. from the `webgpu` package)' : '';
    throw new BackendUnavailableError(name, `backend '${name}' failed to initialise${hint}`);
  }
  await tf.ready();
}

function hasNavigatorGpu(): boolean {
  return typeof globalThis.navigator !== 'undefined' && 'gpu' in (globalThis.navigator as object) && !!(globalThis.navigator as { gpu?: unknown }).gpu;
}

/**
 * Selects and initialises a TensorFlow.js backend, importing its package at run time so no
 * `@anydepth/*` package depends on a backend. `'auto'` prefers tensorflow (tfjs-node-gpu or
 * tfjs-node), then webgpu (where `navigator.gpu` exists), then wasm, then cpu. Returns the name
 * of the active backend.
 */
export async function useBackend(name: BackendName = 'auto', options: UseBackendOptions = {}): Promise<string> {
  const importer = options.importer ?? defaultImporter;
  const start = async (candidate: Exclude<BackendName, 'auto'>): Promise<void> => {
    if (candidate === 'wasm' && options.startWasm) {
      const started = await options.startWasm().then(
        () => tf.getBackend() === 'wasm',
        () => false,
      );
      if (started) return;
    }
    await register(candidate, importer);
    await activate(candidate);
  };
  if (name !== 'auto') {
    await start(name);
  } else {
    const candidates: Array<Exclude<BackendName, 'auto'>> = ['tensorflow'];
    if (hasNavigatorGpu()) candidates.push('webgpu');
    candidates.push('wasm', 'cpu');
    const errors: string[] = [];
    let chosen: string | null = null;
    for (const candidate of candidates) {
      try {
        await start(candidate);
        chosen = candidate;
        break;
      } catch (e) {
        errors.push((e as Error).message);
      }
    }
    if (!chosen) throw new BackendUnavailableError('auto', `no backend could be initialised:\n  ${errors.join('\n  ')}`);
  }
  if (options.verbose) console.log(`tfjs backend: ${tf.getBackend()}`);
  return tf.getBackend();
}
