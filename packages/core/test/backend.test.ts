import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { BackendUnavailableError, useBackend } from '../src/index.js';

const notFound = (specifier: string) => {
  const e = new Error(`Cannot find package '${specifier}' imported from somewhere`) as Error & { code: string };
  e.code = 'ERR_MODULE_NOT_FOUND';
  return e;
};

describe('useBackend', () => {
  it('activates cpu and wasm by importing their packages at run time', async () => {
    tf.env().set('IS_TEST', true);
    expect(await useBackend('wasm')).toBe('wasm');
    expect(await useBackend('cpu')).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
  });

  it('explains how to install tfjs-node-gpu and its CUDA requirement when tensorflow is absent', async () => {
    const err = await useBackend('tensorflow').catch((e) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect(err.message).toMatch(/@tensorflow\/tfjs-node-gpu is not installed/);
    expect(err.message).toMatch(/@tensorflow\/tfjs-node is not installed/);
    expect(err.message).toMatch(/CUDA 11\.2 and cuDNN 8\.1/);
  });

  it('names the package to install for a missing webgpu backend', async () => {
    const err = await useBackend('webgpu', { importer: (s) => Promise.reject(notFound(s)) }).catch((e) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect(err.message).toMatch(/npm install @tensorflow\/tfjs-backend-webgpu/);
  });

  it('reports a package that is installed but fails to load, with its own error', async () => {
    const err = await useBackend('tensorflow', { importer: () => Promise.reject(new Error('libtensorflow.so: cannot open shared object file')) }).catch(
      (e) => e,
    );
    expect(err.message).toMatch(/failed to load: libtensorflow\.so/);
  });

  it("'auto' falls back past an absent tensorflow backend to wasm", async () => {
    const importer = (s: string) => (s.includes('tfjs-node') ? Promise.reject(notFound(s)) : import(s));
    expect(await useBackend('auto', { importer })).toBe('wasm');
    await useBackend('cpu');
  });
});
