import onnxProto from 'onnx-proto';

/**
 * The protobufjs schema of onnx.proto (the maintained `onnx-proto` package). It is a CommonJS module,
 * so it is imported whole and the namespace taken from it: that works from ESM and CJS alike.
 */
export const onnx = onnxProto.onnx;
export type { onnx as OnnxTypes } from 'onnx-proto';

/** IR version 8 (ONNX 1.10+): understood by every onnxruntime since 1.10; opsets 16–18 need no newer IR. */
export const IR_VERSION = 8;

/** GridSample (DySample) exists from opset 16; LayerNormalization from 17. */
export const MIN_OPSET = 16;
export const DEFAULT_OPSET = 17;
export const MAX_OPSET = 18;

/** int64 fields decode as `Long` objects (or plain numbers): read them as numbers, refusing unsafe values. */
export function toNumber(v: number | { toNumber(): number } | null | undefined, what = 'int64 value'): number {
  if (v === null || v === undefined) return 0;
  const n = typeof v === 'number' ? v : v.toNumber();
  if (!Number.isSafeInteger(n)) throw new Error(`${what} ${String(v)} is not a safe integer`);
  return n;
}
