import { CheckpointError } from './errors.js';

/**
 * Copies the elements a strided view selects out of its storage into a new row-major buffer.
 * `offset` and `stride` are in elements; `storage` holds `storage.length / itemSize` elements.
 * Throws when the view reaches outside the storage.
 */
export function materializeView(
  storage: Uint8Array,
  itemSize: number,
  offset: number,
  shape: readonly number[],
  stride: readonly number[],
  label: string,
): Uint8Array {
  const storageNumel = Math.floor(storage.length / itemSize);
  let numel = 1;
  for (const d of shape) numel *= d;
  if (!Number.isSafeInteger(numel)) throw new CheckpointError(`${label}: shape [${shape}] is too large`);
  if (numel === 0) return new Uint8Array(0);
  let last = offset;
  for (let i = 0; i < shape.length; i++) last += (shape[i] - 1) * stride[i];
  if (!Number.isSafeInteger(last) || last >= storageNumel) {
    throw new CheckpointError(
      `${label}: view (offset ${offset}, size [${shape}], stride [${stride}]) reaches element ${last} of a storage of ${storageNumel} elements`,
    );
  }
  let contiguous = true;
  for (let i = shape.length - 1, expected = 1; i >= 0; i--) {
    if (shape[i] !== 1 && stride[i] !== expected) contiguous = false;
    expected *= shape[i];
  }
  if (contiguous) return storage.slice(offset * itemSize, (offset + numel) * itemSize);
  const out = new Uint8Array(numel * itemSize);
  const rank = shape.length;
  const index = new Array<number>(rank).fill(0);
  const inner = shape[rank - 1];
  const innerStride = stride[rank - 1] * itemSize;
  let src = offset * itemSize;
  let dst = 0;
  for (let done = 0; done < numel; done += inner) {
    let p = src;
    for (let j = 0; j < inner; j++, p += innerStride) {
      for (let b = 0; b < itemSize; b++) out[dst++] = storage[p + b];
    }
    // advance the odometer over the outer dimensions
    for (let d = rank - 2; d >= 0; d--) {
      index[d]++;
      src += stride[d] * itemSize;
      if (index[d] < shape[d]) break;
      src -= shape[d] * stride[d] * itemSize;
      index[d] = 0;
    }
  }
  return out;
}
