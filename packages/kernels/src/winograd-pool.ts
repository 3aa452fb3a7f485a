import { winogradFmaWasmBase64 } from './wasm/winograd-fma-wasm.js';
import { winogradWasmBase64 } from './wasm/winograd-wasm.js';
import { wasmBytes } from './stock.js';

/**
 * The Winograd module (src/wasm/winograd.wat) on one shared `WebAssembly.Memory`, run by the calling thread and
 * `threads − 1` workers (Node `worker_threads`, or Web Workers in a cross-origin-isolated page). Each worker
 * instantiates the same module on the same memory and sleeps in `Atomics.wait` on a generation counter; a job is
 * published by bumping the counter, every thread then takes tile blocks from the job's atomic block counter, and
 * the caller waits until every worker has reported done. Workers never keep a Node process alive.
 *
 * Memory layout (bytes): [0, 512) control words — 0 generation, 1 job address, 2 workers done, 3 stop flag,
 * 16 + i scratch address of thread i; [512, 640) the job record (see the .wat); then the buffers of one call.
 */
export interface WinogradExports {
  run(job: number, scratch: number): void;
  block(job: number, blk: number, scratch: number): void;
  scratch_bytes(tb: number, cin: number, cout: number): number;
}

/** A worker as both Node's `worker_threads.Worker` and the Web `Worker` provide it. */
export interface PoolWorker {
  terminate(): unknown;
}

/**
 * Starts one worker running `source` (a classic worker script that waits for one message) and posts it `data`
 * ({ module, memory, index }) as that message.
 */
export type WorkerFactory = (source: string, data: unknown) => Promise<PoolWorker>;

export const CTRL_GEN = 0;
export const CTRL_JOB = 1;
export const CTRL_DONE = 2;
export const CTRL_STOP = 3;
export const CTRL_SCRATCH = 16;
export const MAX_THREADS = 64;
export const JOB = 512;
/** The job record's kind field (int32 index 21): the convolution, the filter gradient's tiles, its final transform. */
export const JOB_CONV = 0;
export const JOB_FILTER_GRAD = 1;
export const JOB_FILTER_GRAD_FINISH = 2;
export const DATA = 1024;
const PAGE = 65536;
/** Pages the shared memory may grow to (1 GiB; calls are banded, so they stay far below). */
const MAX_PAGES = 16384;

/** The worker loop; `start(d)` runs in the worker with the start message. */
const WORKER_LOOP = `
function start(d) {
  var exports = new WebAssembly.Instance(d.module, { env: { memory: d.memory } }).exports;
  var ctrl = new Int32Array(d.memory.buffer, 0, 128);
  var seen = Atomics.load(ctrl, ${CTRL_GEN});
  Atomics.add(ctrl, ${CTRL_DONE}, 1);
  Atomics.notify(ctrl, ${CTRL_DONE});
  for (;;) {
    Atomics.wait(ctrl, ${CTRL_GEN}, seen);
    if (Atomics.load(ctrl, ${CTRL_STOP})) return;
    seen = Atomics.load(ctrl, ${CTRL_GEN});
    exports.run(Atomics.load(ctrl, ${CTRL_JOB}), Atomics.load(ctrl, ${CTRL_SCRATCH} + d.index));
    Atomics.add(ctrl, ${CTRL_DONE}, 1);
    Atomics.notify(ctrl, ${CTRL_DONE});
  }
}`;

const NODE_WORKER = `${WORKER_LOOP}\nstart(require('worker_threads').workerData);\n`;
const WEB_WORKER = `${WORKER_LOOP}\nself.onmessage = function (e) { start(e.data); };\n`;

const compiled: { simd?: WebAssembly.Module | null; fma?: WebAssembly.Module | null } = {};

/**
 * The compiled module — the FMA variant (`f32x4.relaxed_madd`) when `fma`, else plain SIMD — or null where the
 * engine lacks WebAssembly SIMD, threads, shared memory or (for `fma`) relaxed SIMD.
 */
export function winogradModule(fma = false): WebAssembly.Module | null {
  const variant = fma ? 'fma' : 'simd';
  const known = compiled[variant];
  if (known !== undefined) return known;
  try {
    const bytes = wasmBytes(fma ? winogradFmaWasmBase64 : winogradWasmBase64);
    const module = new WebAssembly.Module(bytes);
    // Shared memory exists only where SharedArrayBuffer does (a browser page needs cross-origin isolation).
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    compiled[variant] = module;
    return module;
  } catch {
    // A failed FMA compile is not remembered: relaxed SIMD may be switched on later (`enableRelaxedSimd`).
    if (!fma) compiled.simd = null;
    return null;
  }
}

/** `(func (param v128 v128 v128) (result v128) (f32x4.relaxed_madd (local.get 0) (local.get 1) (local.get 2)))`. */
const RELAXED_SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b, 0x03, 0x02, 0x01, 0x00, 0x07, 0x05, 0x01, 0x01,
  0x66, 0x00, 0x00, 0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x85, 0x02, 0x0b,
]);

/** Whether the engine validates relaxed-SIMD instructions now. */
export function relaxedSimdSupported(): boolean {
  try {
    return WebAssembly.validate(RELAXED_SIMD_PROBE);
  } catch {
    return false;
  }
}

/**
 * Makes relaxed SIMD available where it can be: already there (Chrome 114+, Firefox 145+, Node 22+), or in Node 20,
 * whose V8 implements it behind `--experimental-wasm-relaxed-simd`, by setting that flag (process-wide; it only adds
 * instructions to what modules may use, nothing changes for modules that do not). Returns whether it is available.
 */
export async function enableRelaxedSimd(): Promise<boolean> {
  if (relaxedSimdSupported()) return true;
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  if (!proc?.versions?.node) return false;
  try {
    const v8 = (await import(/* @vite-ignore */ 'node:v8')) as { setFlagsFromString(flags: string): void };
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    return false;
  }
  return relaxedSimdSupported();
}

/** Node: worker_threads with the script evaluated; elsewhere a Web Worker from a Blob URL. */
async function defaultWorkerFactory(source: string, data: unknown): Promise<PoolWorker> {
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  if (proc?.versions?.node) {
    const { Worker } = await import(/* @vite-ignore */ 'node:worker_threads');
    const w = new Worker(NODE_WORKER, { eval: true, workerData: data });
    w.unref();
    return w;
  }
  const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
  const w = new Worker(url);
  w.postMessage(data);
  return w;
}

function sleepUntil(ctrl: Int32Array, index: number, target: number): void {
  for (let v = Atomics.load(ctrl, index); v < target; v = Atomics.load(ctrl, index)) {
    try {
      Atomics.wait(ctrl, index, v, 1000);
    } catch {
      // a browser's main thread may not block: spin
    }
  }
}

export class WinogradPool {
  readonly memory: WebAssembly.Memory;
  readonly exports: WinogradExports;
  readonly threads: number;
  /** Whether the pool runs the FMA variant of the module. */
  readonly fma: boolean;
  private readonly workers: PoolWorker[];

  private constructor(memory: WebAssembly.Memory, exports: WinogradExports, workers: PoolWorker[], fma: boolean) {
    this.memory = memory;
    this.exports = exports;
    this.workers = workers;
    this.threads = workers.length + 1;
    this.fma = fma;
  }

  /**
   * A pool of `threads` threads (the caller included), or null where the module cannot run. `fma` (default true)
   * uses the FMA variant where relaxed SIMD is available (see `enableRelaxedSimd`), the plain one elsewhere.
   */
  static async create(threads: number, factory: WorkerFactory = defaultWorkerFactory, options: { fma?: boolean } = {}): Promise<WinogradPool | null> {
    if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) {
      throw new Error(`@anydepth/kernels: threads must be an integer in [1, ${MAX_THREADS}], got ${threads}`);
    }
    const fma = (options.fma ?? true) && (await enableRelaxedSimd()) && winogradModule(true) !== null;
    const module = winogradModule(fma);
    if (!module) return null;
    const memory = new WebAssembly.Memory({ initial: 16, maximum: MAX_PAGES, shared: true });
    const exports = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as WinogradExports;
    const workers: PoolWorker[] = [];
    const ctrl = new Int32Array(memory.buffer, 0, 128);
    try {
      for (let i = 1; i < threads; i++) workers.push(await factory(WEB_WORKER, { module, memory, index: i }));
      sleepUntil(ctrl, CTRL_DONE, threads - 1); // every worker has instantiated and is waiting
    } catch (e) {
      for (const w of workers) w.terminate();
      throw e;
    }
    return new WinogradPool(memory, exports, workers, fma);
  }

  /** The most bytes the memory may grow to. */
  get maxBytes(): number {
    return MAX_PAGES * PAGE;
  }

  /** Grows the memory to at least `bytes`. */
  reserve(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes > this.maxBytes) throw new Error(`@anydepth/kernels: the Winograd conv needs ${bytes} bytes, more than its ${this.maxBytes}-byte memory`);
    if (bytes > have) this.memory.grow(Math.ceil((bytes - have) / PAGE));
  }

  /**
   * Runs the job at JOB on every thread; `scratch` is the first scratch area, each thread's follows at
   * `scratchBytes` intervals. The job record's block counter must be 0.
   */
  run(scratch: number, scratchBytes: number): void {
    const ctrl = new Int32Array(this.memory.buffer, 0, 128);
    if (this.workers.length === 0) {
      this.exports.run(JOB, scratch);
      return;
    }
    for (let i = 0; i < this.threads; i++) Atomics.store(ctrl, CTRL_SCRATCH + i, scratch + i * scratchBytes);
    Atomics.store(ctrl, CTRL_JOB, JOB);
    Atomics.store(ctrl, CTRL_DONE, 0);
    Atomics.add(ctrl, CTRL_GEN, 1);
    Atomics.notify(ctrl, CTRL_GEN);
    this.exports.run(JOB, scratch + 0);
    sleepUntil(ctrl, CTRL_DONE, this.workers.length);
  }

  /** Stops and terminates the workers. */
  dispose(): void {
    const ctrl = new Int32Array(this.memory.buffer, 0, 128);
    Atomics.store(ctrl, CTRL_STOP, 1);
    Atomics.add(ctrl, CTRL_GEN, 1);
    Atomics.notify(ctrl, CTRL_GEN);
    for (const w of this.workers) w.terminate();
    this.workers.length = 0;
  }
}
