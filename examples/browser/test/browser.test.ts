import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { SafetensorsFile } from '@anydepth/core';
import { configFromCheckpoint, createAnyDepth, loadAnyDepthWeights, predict } from '@anydepth/model';
import { compareClose, setBackend } from '@anydepth/test-utils';
import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleImage } from '../scripts/sample-image.mjs';
import { serveStatic } from './static-server.js';

/**
 * Loads the BUILT page (test-output/dist, built by this package's `npm test` script) in Debian's
 * Chromium through playwright-core, lets it predict the sample scene on WebGPU (SwiftShader in
 * headless CI) and on the wasm fallback, and compares the page's disparity with the same weights and
 * image predicted in Node on the cpu backend. Screenshots go to test-output/.
 * CI needs `apt-get install -y chromium` (Debian; provides /usr/bin/chromium and SwiftShader).
 */

const here = import.meta.dirname;
const outDir = join(here, '..', 'test-output');
// `npm test` builds the page into test-output/dist first (not dist/, which turbo's build task may be writing meanwhile).
const dist = process.env.ANYDEPTH_PAGE_DIST ?? join(outDir, 'dist');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SIZE = 96; // network input 96×64: fast enough on a software GPU
const ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--disable-gpu-sandbox',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

interface PageResult {
  backend: string;
  fallback: boolean;
  error: string | null;
  notice: string | null;
  toyNotice: string | null;
  width: number;
  height: number;
  disparity: number[];
  timings: Record<string, number>;
}

let browser: Browser;
let server: Server;
let url: string;
let reference: Float32Array;

async function runPage(query: string, screenshot: string, on: Browser = browser): Promise<PageResult> {
  const page: Page = await on.newPage({ viewport: { width: 1300, height: 900 } });
  const logs: string[] = [];
  page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
  try {
    await page.goto(`${url}?${query}`);
    await page.waitForFunction(
      () => {
        const s = (window as unknown as { anydepth?: { runs: number; error: string | null } }).anydepth;
        return !!s && (s.runs > 0 || !!s.error);
      },
      undefined,
      { timeout: 540_000, polling: 500 },
    );
    await page.screenshot({ path: join(outDir, screenshot), fullPage: true });
    return await page.evaluate(() => {
      const s = (
        window as unknown as {
          anydepth: {
            backend: string;
            fallback: boolean;
            error: string | null;
            result: { width: number; height: number; disparity: Float32Array; timings: Record<string, number> } | null;
          };
        }
      ).anydepth;
      const notice = document.getElementById('notice') as HTMLElement;
      const toy = document.getElementById('toy-notice') as HTMLElement;
      return {
        toyNotice: toy.hidden ? null : toy.textContent,
        backend: s.backend,
        fallback: s.fallback,
        error: s.error,
        notice: notice.hidden ? null : notice.textContent,
        width: s.result?.width ?? 0,
        height: s.result?.height ?? 0,
        disparity: s.result ? Array.from(s.result.disparity) : [],
        timings: s.result?.timings ?? {},
      };
    });
  } catch (e) {
    throw new Error(`${(e as Error).message}\npage console:\n${logs.join('\n')}`);
  } finally {
    await page.close();
  }
}

// Software WebGPU is slow, and CI runs two packages' tests at once: generous limits.
describe('the built browser page', { timeout: 600_000 }, () => {
  beforeAll(async () => {
    if (!existsSync(join(dist, 'index.html'))) throw new Error(`${dist} is missing: run \`npm test\` in examples/browser (it builds the page first)`);
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
    mkdirSync(outDir, { recursive: true });
    // The reference: the page's weights and image, predicted in Node on the cpu backend.
    await setBackend('cpu');
    const file = SafetensorsFile.fromBytes(new Uint8Array(readFileSync(join(dist, 'model.safetensors'))), 'model');
    const model = createAnyDepth(configFromCheckpoint(file));
    loadAnyDepthWeights(model, file);
    reference = (await predict(model.eval(), sampleImage(), { size: SIZE })).disparity;
    model.dispose();
    const lo = Math.min(...reference);
    const hi = Math.max(...reference);
    if (!(hi - lo > 0.01)) throw new Error(`the reference disparity is nearly constant (${lo}..${hi}): the page's weights test nothing`);
    ({ url, server } = await serveStatic(dist));
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  it('predicts the sample on WebGPU, matching Node cpu within 1e-3, and saves a screenshot', async () => {
    const r = await runPage(`size=${SIZE}`, 'browser-webgpu.png');
    expect(r.error).toBeNull();
    expect(r.backend).toBe('webgpu');
    expect(r.fallback).toBe(false);
    // The page's weights are the demo's model or the untrained stand-in: the page must say so.
    expect(r.toyNotice).toMatch(/^This is (the demo's toy model|an untrained stand-in model)/);
    expect([r.width, r.height]).toEqual([192, 128]);
    const c = compareClose(r.disparity, reference, { atol: 1e-3, rtol: 1e-3, label: 'page webgpu vs node cpu' });
    console.log(
      `browser webgpu: max |err| ${c.maxAbs.toExponential(2)} (disparity range ${Math.min(...reference).toFixed(3)}..${Math.max(...reference).toFixed(3)}); timings ms ${JSON.stringify(r.timings)}`,
    );
    expect(c.ok, c.message).toBe(true);
  });

  it('falls back to wasm with a visible notice, and the same result, in a Chromium without WebGPU', async () => {
    // Without --enable-unsafe-webgpu, headless Linux Chromium exposes navigator.gpu but no adapter.
    const noGpu = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS.filter((a) => a !== '--enable-unsafe-webgpu' && a !== '--enable-features=Vulkan'),
    });
    let r: PageResult;
    try {
      r = await runPage(`size=${SIZE}`, 'browser-wasm-fallback.png', noGpu);
    } finally {
      await noGpu.close();
    }
    expect(r.error).toBeNull();
    expect(r.backend).toBe('wasm');
    expect(r.fallback).toBe(true);
    expect(r.notice).toMatch(/WebGPU unavailable — running on WebAssembly/);
    const c = compareClose(r.disparity, reference, { atol: 1e-3, rtol: 1e-3, label: 'page wasm vs node cpu' });
    console.log(`browser wasm: max |err| ${c.maxAbs.toExponential(2)}; timings ms ${JSON.stringify(r.timings)}`);
    expect(c.ok, c.message).toBe(true);
  });
});
