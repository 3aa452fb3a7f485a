/**
 * JavaScript values the restricted unpickler builds. Python's `None`, bools, floats and strings map to
 * their JS equivalents; ints to numbers (bigint beyond 2^53); `bytes` to Uint8Array; lists and
 * tuples to arrays (tuples frozen); dicts to `PickleDict`. Allowed globals are inert `PickleGlobal`
 * markers: calling one (REDUCE) dispatches to a fixed JavaScript handler, never to anything named
 * by the file.
 */
export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PickleValue[]
  | readonly PickleValue[]
  | PickleDict
  | PickleGlobal
  | PickleObject;

/** `dict`, `collections.OrderedDict` or `collections.Counter`; `state` holds what BUILD set (OrderedDict's `_metadata`). */
export class PickleDict extends Map<PickleValue, PickleValue> {
  state: PickleValue = null;
  constructor(readonly pyType: 'dict' | 'collections.OrderedDict' | 'collections.Counter' = 'dict') {
    super();
  }
}

/** A reference to one allow-listed Python global (e.g. `torch.FloatStorage`). */
export class PickleGlobal {
  constructor(readonly fullName: string) {}
  toString(): string {
    return this.fullName;
  }
}

/** What a handler returned for a call that builds something other than plain data (a storage, a tensor, ...). */
export interface PickleObject {
  readonly pickleKind: string;
}

export function isPickleObject(v: unknown, kind?: string): v is PickleObject {
  return typeof v === 'object' && v !== null && 'pickleKind' in v && (kind === undefined || (v as PickleObject).pickleKind === kind);
}
