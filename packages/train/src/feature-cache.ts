import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { type HeadFeature, SafetensorsFile, encodeSafetensors, tensorToHostSync } from '@anydepth/core';
import { writeFileAtomic } from '@anydepth/core/node';

/**
 * Frozen-encoder features on disk, one safetensors file per (sample, augmentation), so that each
 * epoch after the first skips the encoder. Files are written atomically; a key's file name is the key
 * with unsafe characters replaced. The metadata records the model signature: a cache built for
 * another encoder/resolution is refused instead of silently reused.
 */
export class FeatureCache {
  hits = 0;
  misses = 0;

  constructor(
    readonly dir: string,
    /** Identifies the encoder configuration and input size (stored and checked). */
    readonly signature: string,
  ) {
    mkdirSync(dir, { recursive: true });
  }

  private path(key: string): string {
    return join(this.dir, `${key.replace(/[^A-Za-z0-9._-]/g, '_')}.safetensors`);
  }

  has(key: string): boolean {
    return existsSync(this.path(key));
  }

  /** Features [1, …] of one sample, or null when not cached. The caller disposes them. */
  get(key: string): HeadFeature[] | null {
    const path = this.path(key);
    if (!existsSync(path)) {
      this.misses++;
      return null;
    }
    const file = SafetensorsFile.fromBytes(new Uint8Array(readFileSync(path)));
    const sig = file.metadata?.['anydepth.signature'];
    if (sig !== this.signature)
      throw new Error(`feature cache ${path} was written for '${sig}', this run is '${this.signature}': use another --cache-dir or delete it`);
    const layers = Number(file.metadata?.['anydepth.layers']);
    const out: HeadFeature[] = [];
    for (let i = 0; i < layers; i++) {
      const map: Record<string, tf.Tensor> = {};
      for (const key of file.keys()) if (key.startsWith(`${i}.`)) map[key.slice(String(i).length + 1)] = file.tensor(key);
      if (!map.patches) throw new Error(`feature cache ${path}: layer ${i} has no patches`);
      out.push(map as unknown as HeadFeature);
    }
    this.hits++;
    return out;
  }

  /** Stores one sample's features (batch 1). */
  put(key: string, features: HeadFeature[]): void {
    const tensors: Record<string, ReturnType<typeof tensorToHostSync>> = {};
    features.forEach((f, i) => {
      if (f.patches.shape[0] !== 1) throw new Error(`FeatureCache.put: expected batch 1, got [${f.patches.shape}]`);
      // every tensor of the map: patches, cls, and any extras the encoder returns (DINOv3: registers)
      for (const [name, t] of Object.entries(f)) if (t instanceof tf.Tensor) tensors[`${i}.${name}`] = tensorToHostSync(t);
    });
    writeFileAtomic(this.path(key), encodeSafetensors(tensors, { 'anydepth.signature': this.signature, 'anydepth.layers': String(features.length) }));
  }
}

/** Concatenates per-sample features (every tensor of each map) along the batch axis (disposes nothing). */
export function concatFeatures(perSample: HeadFeature[][]): HeadFeature[] {
  return perSample[0].map((first, layer) => {
    const out: Record<string, tf.Tensor> = {};
    for (const [name, t] of Object.entries(first)) {
      if (!(t instanceof tf.Tensor)) continue;
      out[name] = tf.concat(
        perSample.map((f) => (f[layer] as unknown as Record<string, tf.Tensor>)[name]),
        0,
      ); // [B, …]
    }
    return out as unknown as HeadFeature;
  });
}

/** Disposes every tensor of the feature maps (patches, cls, registers, …). */
export function disposeFeatures(features: HeadFeature[]): void {
  for (const f of features) for (const t of Object.values(f)) if (t instanceof tf.Tensor) t.dispose();
}
