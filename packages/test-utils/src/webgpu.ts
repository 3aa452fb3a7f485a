import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Activates tfjs' 'webgpu' backend in Node through Dawn (the `webgpu` npm package). Returns null on
 * success, else why no WebGPU adapter is available. On Linux without a GPU, a software Vulkan
 * driver works: `apt-get install -y libvulkan1 chromium` and
 * `VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json` (SwiftShader).
 */
/** Set after a successful setup. */
export let adapterDescription = '';

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

export async function setupWebGPU(): Promise<string | null> {
  let gpu: GPU;
  let adapter: GPUAdapter | null;
  try {
    const { create, globals } = (await import('webgpu')) as { create: (flags: string[]) => GPU; globals: object };
    Object.assign(globalThis, globals);
    gpu = create([]);
    adapter = await gpu.requestAdapter();
    if (!adapter && !process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) {
      // No hardware adapter: fall back to SwiftShader if Debian's chromium package provides it.
      process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
      gpu = create([]);
      adapter = await gpu.requestAdapter();
    }
  } catch (e) {
    return `the 'webgpu' package (Dawn) failed to load: ${(e as Error).message}`;
  }
  if (!adapter) {
    return (
      'Dawn found no WebGPU adapter (no Vulkan driver). Install a software one: ' +
      '`apt-get install -y libvulkan1 chromium` and set VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json'
    );
  }
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav) {
    try {
      Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
    } catch {
      Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true });
    }
  } else {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  }
  await import('@tensorflow/tfjs-backend-webgpu');
  tf.env().set('IS_TEST', true);
  if (!(await tf.setBackend('webgpu'))) return "tf.setBackend('webgpu') failed although an adapter exists";
  await tf.ready();
  const info = (adapter as { info?: { vendor?: string; architecture?: string; description?: string } }).info;
  adapterDescription = info ? `${info.vendor} ${info.architecture} (${info.description})` : 'unknown adapter';
  return null;
}
