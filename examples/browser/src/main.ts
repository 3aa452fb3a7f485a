import { openCheckpointBytes } from '@anydepth/core';
import { COLORMAPS, type ColormapName, type DepthEstimate, type DepthEstimator, buildDepthEstimator, colorize } from '@anydepth/model';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import '@tensorflow/tfjs-backend-webgpu';
import * as tf from '@tensorflow/tfjs-core';
import { ReliefView } from './relief.js';

/** What the page exposes for automation (the browser test reads it). */
export interface PageState {
  backend: string;
  fallback: boolean;
  weights: string;
  /** The estimator's warning when the weights are a toy (demo or untrained stand-in), else null. */
  toyNotice: string | null;
  runs: number;
  busy: boolean;
  error: string | null;
  result: (Omit<DepthEstimate, 'image'> & { image: string; size: number }) | null;
}

const params = new URLSearchParams(location.search);
const state: PageState = { backend: '', fallback: false, weights: '', toyNotice: null, runs: 0, busy: false, error: null, result: null };
(window as unknown as { anydepth: PageState }).anydepth = state;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const statusEl = $<HTMLParagraphElement>('status');
const sizeEl = $<HTMLSelectElement>('size');
const colormapEl = $<HTMLSelectElement>('colormap');
const relief = new ReliefView($<HTMLCanvasElement>('relief'));
if (params.get('size')) {
  const s = params.get('size') as string;
  if (![...sizeEl.options].some((o) => o.value === s)) sizeEl.add(new Option(s, s));
  sizeEl.value = s;
}
for (const name of COLORMAPS) colormapEl.add(new Option(name, name, name === 'inferno', name === 'inferno'));

function setStatus(text: string, error = false): void {
  statusEl.textContent = text;
  statusEl.classList.toggle('error', error);
  if (error) state.error = text;
}

const timings: [string, number][] = [];
let weightsMs = 0;
function showTimings(): void {
  const body = $<HTMLTableElement>('timings').tBodies[0];
  body.replaceChildren(
    ...timings.map(([stage, ms]) => {
      const tr = document.createElement('tr');
      tr.innerHTML = `<td>${stage}</td><td>${ms.toFixed(1)}</td>`;
      return tr;
    }),
  );
}

/** WebGPU when the browser has an adapter, else wasm with a visible notice. `?backend=` forces one. */
async function initBackend(): Promise<void> {
  setWasmPaths({ 'tfjs-backend-wasm.wasm': wasmPlain, 'tfjs-backend-wasm-simd.wasm': wasmSimd, 'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded });
  await import('@tensorflow/tfjs-backend-wasm');
  const wanted = params.get('backend');
  let why = '';
  if (wanted !== 'wasm') {
    const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
    const adapter = gpu ? await gpu.requestAdapter().catch(() => null) : null;
    if (!gpu) why = 'this browser has no WebGPU (navigator.gpu is missing)';
    else if (!adapter) why = 'WebGPU is present but no adapter is available';
    else if (await tf.setBackend('webgpu').catch(() => false)) {
      await tf.ready();
      const info = (adapter as GPUAdapter & { info?: GPUAdapterInfo }).info;
      const limit = adapter.limits.maxStorageBufferBindingSize;
      state.backend = 'webgpu';
      $('backend').textContent =
        `backend: webgpu (${info ? `${info.vendor} ${info.architecture}`.trim() : 'adapter'}, max binding ${(limit / 2 ** 20).toFixed(0)} MiB)`;
      return;
    } else why = 'the WebGPU backend failed to initialise';
  } else why = 'wasm requested with ?backend=wasm';
  await tf.setBackend('wasm');
  await tf.ready();
  state.backend = 'wasm';
  state.fallback = true;
  $('backend').textContent = 'backend: wasm';
  const notice = $('notice');
  notice.textContent = `WebGPU unavailable — running on WebAssembly (slower): ${why}.`;
  notice.hidden = false;
}

let estimator: DepthEstimator | null = null;

/** Any checkpoint the library reads (safetensors or a PyTorch .pth), AnyDepth or Depth Anything V2. */
async function loadWeights(bytes: Uint8Array, name: string): Promise<void> {
  const t0 = performance.now();
  const checkpoint = openCheckpointBytes(bytes, { label: name });
  const next = (() => {
    try {
      return buildDepthEstimator({ sources: [checkpoint], labels: [name] });
    } finally {
      checkpoint.close();
    }
  })();
  estimator?.dispose();
  estimator = next;
  state.weights = name;
  state.toyNotice = next.notice;
  const count = next.model.numParameters();
  $('weights-status').textContent = `${next.description} (${(count / 1e6).toFixed(2)} M parameters)`;
  const toy = $('toy-notice');
  toy.textContent = next.notice ?? '';
  toy.hidden = !next.notice;
  weightsMs = performance.now() - t0;
}

async function loadWeightsFromUrl(url: string): Promise<void> {
  setStatus(`downloading ${url}…`);
  const res = await fetch(url);
  if (!res.ok) throw new Error(`could not fetch ${url}: HTTP ${res.status}`);
  await loadWeights(new Uint8Array(await res.arrayBuffer()), url.split('/').pop() ?? url);
}

let current: { image: HTMLImageElement; name: string } | null = null;

async function decode(src: string, name: string): Promise<void> {
  const image = new Image();
  image.src = src;
  await image.decode();
  current = { image, name };
  const c = $<HTMLCanvasElement>('input');
  c.width = image.naturalWidth;
  c.height = image.naturalHeight;
  c.getContext('2d')?.drawImage(image, 0, 0);
}

function drawDepth(): void {
  const r = state.result;
  if (!r) return;
  const c = $<HTMLCanvasElement>('depth');
  c.width = r.width;
  c.height = r.height;
  const rgba = colorize(r.disparity, { colormap: colormapEl.value as ColormapName, rgba: true });
  c.getContext('2d')?.putImageData(new ImageData(rgba as Uint8ClampedArray<ArrayBuffer>, r.width, r.height), 0, 0);
}

async function run(): Promise<void> {
  if (!estimator || !current || state.busy) return;
  state.busy = true;
  timings.length = 0;
  try {
    const size = Number(sizeEl.value);
    setStatus(`predicting at ${size} px on ${state.backend}…`);
    const { image: _colored, ...pred } = await estimator.estimate(current.image, { size });
    timings.push(['estimate (preprocess + network + resize)', pred.milliseconds]);
    state.result = { ...pred, image: current.name, size };
    const t0 = performance.now();
    drawDepth();
    const input = $<HTMLCanvasElement>('input');
    const rgb = input.getContext('2d')?.getImageData(0, 0, input.width, input.height).data;
    if (rgb && input.width === pred.width && input.height === pred.height)
      relief.set({ disparity: pred.disparity, rgb, width: pred.width, height: pred.height });
    timings.push(['colormap + 3-D view', performance.now() - t0]);
    timings.push(['total', timings.reduce((a, [, ms]) => a + ms, 0)], ['(weights load, once)', weightsMs]);
    showTimings();
    state.runs++;
    setStatus(`done: ${current.name}, network ${pred.networkWidth}×${pred.networkHeight}, ${state.backend}`);
  } catch (e) {
    setStatus(`prediction failed: ${(e as Error).message}`, true);
  } finally {
    state.busy = false;
  }
}

async function guarded(f: () => Promise<void>): Promise<void> {
  try {
    await f();
  } catch (e) {
    setStatus((e as Error).message, true);
  }
}

async function useImageFile(file: File): Promise<void> {
  const url = URL.createObjectURL(file);
  try {
    await decode(url, file.name);
  } finally {
    URL.revokeObjectURL(url);
  }
  await run();
}

$('weights-load').addEventListener('click', () => guarded(async () => (await loadWeightsFromUrl($<HTMLInputElement>('weights-url').value), await run())));
$<HTMLInputElement>('weights-file').addEventListener('change', (e) =>
  guarded(async () => {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (!file) return;
    await loadWeights(new Uint8Array(await file.arrayBuffer()), file.name);
    await run();
  }),
);
$<HTMLInputElement>('image-file').addEventListener('change', (e) =>
  guarded(async () => {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (file) await useImageFile(file);
  }),
);
$('sample').addEventListener('click', () => guarded(async () => (await decode('./sample.png', 'sample.png'), await run())));
sizeEl.addEventListener('change', () => guarded(run));
colormapEl.addEventListener('change', drawDepth);
const drop = $('drop');
drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  const file = e.dataTransfer?.files[0];
  if (file) guarded(() => useImageFile(file));
});

guarded(async () => {
  await initBackend();
  await loadWeightsFromUrl(params.get('weights') ?? $<HTMLInputElement>('weights-url').value);
  await decode('./sample.png', 'sample.png');
  if (params.get('autorun') !== '0') await run();
  else setStatus('ready');
});
