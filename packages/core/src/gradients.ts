import * as tf from '@tensorflow/tfjs-core';

/**
 * Makes sure tfjs gradients are registered. `@tensorflow/tfjs-core` alone registers none, which
 * only matters when training. In bundled apps this imports
 * `@tensorflow/tfjs-core/dist/register_all_gradients`; in Node, where that ES-module file cannot
 * be loaded directly, it falls back to the `@tensorflow/tfjs` umbrella package (which tfjs-node
 * already loads). Throws with install instructions when neither is available.
 */
export async function ensureGradients(
  importer: (specifier: string) => Promise<unknown> = (s) => import(/* @vite-ignore */ /* webpackIgnore: true */ s),
): Promise<void> {
  if (gradientsRegistered()) return;
  const tried: string[] = [];
  for (const specifier of ['@tensorflow/tfjs-core/dist/register_all_gradients', '@tensorflow/tfjs']) {
    try {
      await importer(specifier);
      if (gradientsRegistered()) return;
      tried.push(`${specifier} registered no gradients`);
    } catch (e) {
      tried.push(`${specifier}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  throw new Error(
    `tfjs gradients are not registered and could not be loaded (${tried.join('; ')}). ` +
      `In Node install @tensorflow/tfjs (npm install @tensorflow/tfjs@^4.22.0); in a bundled app import '@tensorflow/tfjs-core/dist/register_all_gradients'.`,
  );
}

/** True when the standard kernel gradients (conv, matmul, …) are registered. */
export function gradientsRegistered(): boolean {
  return !!tf.getGradient('Conv2D') && !!tf.getGradient('BatchMatMul');
}
