import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize } from 'node:path';
import { type OnnxTensorSourceOptions, OnnxTensorSource } from './onnx-tensor-source.js';

/**
 * Opens an ONNX file's initializers as a `TensorSource`, reading external data files (the `location`
 * of each initializer, relative to the model) on first use. Locations may not leave the model's folder.
 */
export function readOnnxFile(path: string, options: Omit<OnnxTensorSourceOptions, 'externalData'> = {}): OnnxTensorSource {
  const folder = dirname(path);
  const files = new Map<string, Uint8Array>();
  const externalData = (location: string): Uint8Array => {
    const rel = normalize(location);
    if (isAbsolute(rel) || rel.startsWith('..')) throw new Error(`ONNX file '${path}': external data location '${location}' leaves the model's folder`);
    let bytes = files.get(rel);
    if (!bytes) {
      bytes = new Uint8Array(readFileSync(join(folder, rel)));
      files.set(rel, bytes);
    }
    return bytes;
  };
  return OnnxTensorSource.fromBytes(new Uint8Array(readFileSync(path)), { ...options, externalData });
}

export { OnnxTensorSource, onnxTensorSource, type OnnxTensorSourceOptions } from './onnx-tensor-source.js';
