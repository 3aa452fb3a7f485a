import * as tf from '@tensorflow/tfjs-core';

/** Element types a safetensors file can hold (the subset this project reads and writes). */
export type SafetensorsDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

export type HostArray = Float64Array | Float32Array | Int32Array | Int16Array | Int8Array | Uint8Array | Uint16Array | BigInt64Array;

/**
 * A tensor held in plain JavaScript memory, with no backend involved. `data` is the decoded value
 * array: F16/BF16 decode to Float32Array, I64 to BigInt64Array, BOOL to Uint8Array of 0/1.
 */
export interface HostTensor {
  readonly dtype: SafetensorsDType;
  readonly shape: readonly number[];
  readonly data: HostArray;
}

export function isHostTensor(value: unknown): value is HostTensor {
  return typeof value === 'object' && value !== null && 'dtype' in value && 'shape' in value && 'data' in value && !(value instanceof tf.Tensor);
}

export function numElements(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Converts a host tensor to a tfjs tensor (float types → float32, integer types → int32, BOOL → bool). */
export function hostToTensor(host: HostTensor): tf.Tensor {
  const shape = [...host.shape];
  switch (host.dtype) {
    case 'F32':
      return tf.tensor(host.data as Float32Array, shape, 'float32');
    case 'F64':
    case 'F16':
    case 'BF16':
      return tf.tensor(Float32Array.from(host.data as Float64Array | Float32Array), shape, 'float32');
    case 'I32':
      return tf.tensor(host.data as Int32Array, shape, 'int32');
    case 'I16':
    case 'I8':
    case 'U8':
      return tf.tensor(Int32Array.from(host.data as Int16Array), shape, 'int32');
    case 'BOOL':
      return tf.tensor(host.data as Uint8Array, shape, 'bool');
    case 'I64': {
      const src = host.data as BigInt64Array;
      const out = new Int32Array(src.length);
      for (let i = 0; i < src.length; i++) {
        const v = src[i];
        if (v > 2147483647n || v < -2147483648n) {
          throw new RangeError(`I64 value ${v} at index ${i} does not fit in int32`);
        }
        out[i] = Number(v);
      }
      return tf.tensor(out, shape, 'int32');
    }
  }
}

/** Reads a tfjs tensor back into host memory (float32 → F32, int32 → I32, bool → BOOL). */
export async function tensorToHost(t: tf.Tensor): Promise<HostTensor> {
  const data = await t.data();
  return fromTypedData(t.dtype, t.shape, data);
}

/** Synchronous variant of {@link tensorToHost}; not available on backends that only read asynchronously. */
export function tensorToHostSync(t: tf.Tensor): HostTensor {
  return fromTypedData(t.dtype, t.shape, t.dataSync());
}

function fromTypedData(dtype: tf.DataType, shape: number[], data: tf.TypedArray | string[]): HostTensor {
  switch (dtype) {
    case 'float32':
      return { dtype: 'F32', shape, data: data as Float32Array };
    case 'int32':
      return { dtype: 'I32', shape, data: data as Int32Array };
    case 'bool':
      return { dtype: 'BOOL', shape, data: data as Uint8Array };
    default:
      throw new Error(`tensor dtype ${dtype} has no safetensors equivalent`);
  }
}
