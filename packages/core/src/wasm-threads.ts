import os from 'node:os';
import { Worker as NodeWorker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Multi-threaded XNNPACK for tfjs-backend-wasm in Node.
 *
 * The wasm package ships a threaded SIMD build (`tfjs-backend-wasm-threaded-simd.wasm`, emscripten
 * pthreads over one shared `WebAssembly.Memory`) whose glue already knows `worker_threads`, but tfjs
 * switches it off in Node (tfjs#3830, tfjs#8513) because three things only work in a browser:
 *  1. the pthread worker script is handed to `new Worker()` as a `blob:` URL, which Node's Worker rejects;
 *  2. the emscripten factory is posted to each worker as a Blob of `factory.toString()`, which refers to
 *     names that exist only inside the package's Node bundle (its `require`d modules, tslib helpers);
 *  3. XNNPACK sizes its pool as `min(4, max(1, cores / 2))`, one thread on a 2-core machine, and the
 *     package's `setThreadsCount` does not raise it above that.
 * While the backend initialises, `useThreadedWasm` records the texts of the Blobs tfjs creates, gives
 * emscripten a `Worker` that evaluates the worker script with those names defined (and the factory
 * text in place of the Blob), and reports `2 × threads` cores, so the pool has exactly `threads`
 * threads. Everything else is tfjs' own code; the kernels are the same XNNPACK kernels.
 *
 * Pool workers never keep the process alive (the main thread drives all work and waits for the pool),
 * so scripts and test runners exit normally; `shutdownWasm()` terminates them explicitly.
 */

export interface ThreadedWasmOptions {
  /** XNNPACK threads including the calling thread (default: the machine's available parallelism). */
  threads?: number;
  /** Imports a package by name (default: dynamic `import()`), as `useBackend`'s option. */
  importer?: (specifier: string) => Promise<unknown>;
}

interface WasmPackage {
  setThreadsCount(n: number): void;
  getThreadsCount(): number;
}

/** Names the threaded factory's source uses but does not define (bound in the package's Node bundle). */
const WORKER_PRELUDE = `
var require$$0 = require('fs'), require$$1 = require('path'), require$$2 = require('worker_threads'), require$$3 = require('perf_hooks'), require$$4 = require('os');
var commonjsGlobal = globalThis, _scriptDir = __filename;
function __values(o) { var m = typeof Symbol === 'function' && o[Symbol.iterator], i = 0; if (m) return m.call(o);
  return { next: function () { if (o && i >= o.length) o = void 0; return { value: o && o[i++], done: !o }; } }; }
function __read(o, n) { var m = typeof Symbol === 'function' && o[Symbol.iterator]; if (!m) return o; var it = m.call(o), r, ar = [];
  while ((n === void 0 || n-- > 0) && !(r = it.next()).done) ar.push(r.value); return ar; }
function __spreadArray(to, from) { return to.concat(Array.prototype.slice.call(from)); }
var __anydepthFactory;
require('worker_threads').parentPort.on('message', function (d) { if (d && typeof d.anydepthFactory === 'string') __anydepthFactory = d.anydepthFactory; });
Object.defineProperty(globalThis, 'importScripts', { configurable: true, set: function () {}, get: function () {
  return function (f) { (0, eval)(f === ${JSON.stringify('anydepth:factory')} ? __anydepthFactory : require('fs').readFileSync(f, 'utf8')); };
} });
`;

/** Texts of the string-only Blobs created while the backend initialises, by object and by URL. */
const blobTexts = new WeakMap<Blob, string>();
const urlTexts = new Map<string, string>();

/** emscripten's `new Worker(url)`: Node worker_threads with the recorded script evaluated in place. */
class PthreadWorker extends NodeWorker {
  constructor(url: string | URL) {
    const text = urlTexts.get(String(url));
    if (text === undefined) throw new Error(`useThreadedWasm: unknown pthread worker script ${String(url)}`);
    super(WORKER_PRELUDE + text, { eval: true });
  }

  override postMessage(message: unknown, transfer?: Parameters<NodeWorker['postMessage']>[1]): void {
    const m = message as { cmd?: string; urlOrBlob?: unknown } | null;
    if (m && m.cmd === 'load' && m.urlOrBlob instanceof Blob) {
      const factory = blobTexts.get(m.urlOrBlob);
      if (factory === undefined) throw new Error('useThreadedWasm: the wasm factory script was not recorded');
      message = { ...m, urlOrBlob: 'anydepth:factory', anydepthFactory: factory };
    }
    super.postMessage(message, transfer);
  }

  /** Pool threads never hold the process open: the main thread waits on them whenever they work. */
  override ref(): void {}
}

let threadedCount = 0;

/**
 * Initialises tfjs-backend-wasm with its threaded SIMD build in Node and makes it the active backend
 * (instead of `useBackend('wasm')`). Must run before the wasm backend is first initialised in this
 * process. Returns the number of XNNPACK threads (including the calling thread).
 */
export async function useThreadedWasm(options: ThreadedWasmOptions = {}): Promise<number> {
  const threads = options.threads ?? os.availableParallelism();
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`useThreadedWasm: threads must be a positive integer, got ${threads}`);
  const importer = options.importer ?? ((s: string) => import(/* @vite-ignore */ s));
  const pkg = (await importer('@tensorflow/tfjs-backend-wasm')) as WasmPackage;
  if (threadedCount > 0) {
    if (threadedCount !== threads) throw new Error(`useThreadedWasm: the wasm backend already runs ${threadedCount} threads; the count is fixed per process`);
    await tf.setBackend('wasm');
    return threadedCount;
  }
  if (tf.engine().registry.wasm) {
    throw new Error('useThreadedWasm: the wasm backend is already initialised single-threaded; call useThreadedWasm before anything uses it');
  }
  const RealBlob = globalThis.Blob;
  const realCreateObjectURL = URL.createObjectURL;
  const realCpus = os.cpus;
  const workerDescriptor = Object.getOwnPropertyDescriptor(globalThis, 'Worker');
  class RecordingBlob extends RealBlob {
    constructor(parts?: BlobPart[], options?: BlobPropertyBag) {
      super(parts, options);
      if (parts?.every((p) => typeof p === 'string')) blobTexts.set(this, (parts as string[]).join(''));
    }
  }
  globalThis.Blob = RecordingBlob;
  URL.createObjectURL = (blob: Blob) => {
    const url = realCreateObjectURL(blob);
    const text = blobTexts.get(blob);
    if (text !== undefined) urlTexts.set(url, text);
    return url;
  };
  // emscripten assigns worker_threads' Worker to the global; keep ours in place while it does.
  Object.defineProperty(globalThis, 'Worker', { configurable: true, get: () => PthreadWorker, set: () => {} });
  os.cpus = () => {
    const cpus = realCpus();
    return Array.from({ length: 2 * threads }, (_, i) => cpus[i % cpus.length]);
  };
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  pkg.setThreadsCount(threads);
  try {
    if (!(await tf.setBackend('wasm'))) throw new Error('useThreadedWasm: the threaded wasm backend failed to initialise');
    await tf.ready();
  } finally {
    globalThis.Blob = RealBlob;
    URL.createObjectURL = realCreateObjectURL;
    os.cpus = realCpus;
    // Later pool growth (more threads than the pool holds) goes through the same Worker.
    Object.defineProperty(globalThis, 'Worker', workerDescriptor ?? { configurable: true, writable: true, value: PthreadWorker });
  }
  threadedCount = pkg.getThreadsCount();
  return threadedCount;
}

/** XNNPACK threads of the threaded wasm backend (0 when `useThreadedWasm` has not run). */
export function wasmThreads(): number {
  return threadedCount;
}

/**
 * Disposes the wasm backend and terminates its pool workers (tfjs' `removeBackend` does both), keeping
 * the backend registered: the next `useThreadedWasm` or `useBackend('wasm')` initialises a fresh one.
 */
export function shutdownWasm(): void {
  const engine = tf.engine();
  const registration = engine.registryFactory.wasm;
  if (registration && engine.registry.wasm) {
    tf.removeBackend('wasm');
    tf.registerBackend('wasm', registration.factory, registration.priority);
  }
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  threadedCount = 0;
}
