/**
 * What each fuzzed parser runs on one input, and which errors count as its clean format errors. Runs inside the
 * child process (worker.mts). An accepted input returns a digest of everything decoded, so the parent can tell a
 * harmless mutation (same output) from a silently accepted corruption (different output).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { SafetensorsError, SafetensorsFile, CheckpointError, openCheckpointBytes } from '../../packages/core/src/index.ts';
import { DecodeError, decodeExr, decodeJpeg, decodeNpy, decodeNpz, decodePfm, decodePng } from '../../packages/datasets/src/index.ts';
import { nodeInflate, readHdf5Depth } from '../../packages/datasets/src/node.ts';
import { onnxTensorSource } from '../../packages/onnx/src/index.ts';

export const PARSERS = ['safetensors', 'npy', 'npz', 'png', 'png-fflate', 'pfm', 'exr', 'hdf5', 'jpeg', 'pth', 'onnx'] as const;
export type Parser = (typeof PARSERS)[number];

/** FNV-1a over byte views of every decoded array, plus the shapes: equal digests mean equal decoded content. */
class Digest {
  private h = 0x811c9dc5;
  add(x: ArrayBufferView | string | number): this {
    if (typeof x === 'number') x = String(x);
    const b = typeof x === 'string' ? new TextEncoder().encode(x) : new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
    let h = this.h;
    for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 0x01000193);
    this.h = h ^ 0x5f;
    return this;
  }
  hex(): string {
    return (this.h >>> 0).toString(16).padStart(8, '0');
  }
}

export function isFormatError(e: unknown): boolean {
  // By name too: @anydepth/onnx (run from its source) throws the CheckpointError of core's built entry, another class object.
  return e instanceof DecodeError || e instanceof SafetensorsError || e instanceof CheckpointError || (e instanceof Error && e.name === 'CheckpointError');
}

let tmpIndex = 0;

export async function runTarget(parser: Parser, bytes: Uint8Array): Promise<string> {
  const d = new Digest();
  switch (parser) {
    case 'safetensors': {
      const f = SafetensorsFile.fromBytes(bytes);
      for (const k of f.keys().sort()) {
        const t = f.require(k);
        d.add(k).add(t.dtype).add(t.shape.join(',')).add(t.data);
      }
      for (const [k, v] of Object.entries(f.metadata).sort()) d.add(k).add(v);
      break;
    }
    case 'npy': {
      const a = decodeNpy(bytes);
      d.add(a.dtype).add(a.shape.join(',')).add(String(a.fortranOrder)).add(a.data);
      break;
    }
    case 'npz': {
      const all = decodeNpz(bytes);
      for (const k of Object.keys(all).sort()) d.add(k).add(all[k].dtype).add(all[k].shape.join(',')).add(all[k].data);
      break;
    }
    case 'png':
    case 'png-fflate': {
      const img = decodePng(bytes, parser === 'png' ? { inflate: nodeInflate } : {});
      d.add(img.width).add(img.height).add(img.channels).add(img.bitDepth).add(img.data);
      break;
    }
    case 'pfm': {
      const m = decodePfm(bytes);
      d.add(m.width).add(m.height).add(m.data).add(m.valid!);
      break;
    }
    case 'exr': {
      const img = decodeExr(bytes, { inflate: nodeInflate });
      d.add(img.width).add(img.height);
      for (const k of Object.keys(img.channels).sort()) d.add(k).add(img.channels[k]);
      break;
    }
    case 'hdf5': {
      const path = join(tmpdir(), `anydepth-fuzz-${process.pid}-${tmpIndex++ % 4}.hdf5`);
      writeFileSync(path, bytes);
      const m = await readHdf5Depth(path);
      d.add(m.width).add(m.height).add(m.data).add(m.valid!);
      break;
    }
    case 'jpeg': {
      const img = decodeJpeg(bytes);
      d.add(img.width).add(img.height).add(img.data);
      break;
    }
    case 'pth': {
      const c = openCheckpointBytes(bytes, { label: 'fuzz.pth' });
      for (const k of c.keys().sort()) {
        const t = c.get(k)!;
        d.add(k).add(t.dtype).add(t.shape.join(',')).add(t.data);
      }
      for (const [k, v] of Object.entries(c.metadata).sort()) d.add(k).add(v);
      break;
    }
    case 'onnx': {
      const src = onnxTensorSource(bytes);
      for (const k of [...src.keys()].sort()) {
        const t = src.get(k)!;
        d.add(k).add(t.dtype).add(t.shape.join(',')).add(t.data);
      }
      break;
    }
  }
  return d.hex();
}
