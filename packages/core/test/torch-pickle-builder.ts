import { zipSync } from 'fflate';

/** Hand-written pickle bytes for tests: only the opcodes a state dict uses, plus whatever a test wants to smuggle in. */
const text = new TextEncoder();

export type Op = number[] | Uint8Array;
export type Piece = Op | Piece[];

export const PROTO2: Op = [0x80, 2];
export const STOP: Op = [0x2e];
export const MARK: Op = [0x28];
export const TUPLE: Op = [0x74];
export const EMPTY_TUPLE: Op = [0x29];
export const REDUCE: Op = [0x52];
export const SETITEM: Op = [0x73];
export const BINPERSID: Op = [0x51];
export const NEWFALSE: Op = [0x89];

export function global(module: string, name: string): Op {
  return [0x63, ...text.encode(`${module}\n${name}\n`)];
}

export function unicode(s: string): Op {
  const b = text.encode(s);
  return [0x58, b.length & 0xff, (b.length >> 8) & 0xff, (b.length >> 16) & 0xff, (b.length >>> 24) & 0xff, ...b];
}

export function binint(n: number): Op {
  return [0x4a, n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff];
}

export function tuple(...items: Piece[]): Piece[] {
  return [MARK, ...items, TUPLE];
}

export function pickle(...pieces: Piece[]): Uint8Array {
  const bytes: number[] = [];
  const walk = (p: Piece): void => {
    if (p instanceof Uint8Array || (Array.isArray(p) && p.every((x) => typeof x === 'number'))) bytes.push(...(p as ArrayLike<number> as number[]));
    else for (const q of p as Piece[]) walk(q);
  };
  pieces.forEach(walk);
  return Uint8Array.from(bytes);
}

/** `OrderedDict({name: _rebuild_tensor_v2(storage(key, numel), offset, size, stride, False, OrderedDict())})`. */
export function stateDictPickle(
  name: string,
  t: { key: string; numel: number; offset?: number; size: number[]; stride: number[]; storageType?: string },
): Uint8Array {
  return pickle(
    PROTO2,
    global('collections', 'OrderedDict'),
    EMPTY_TUPLE,
    REDUCE,
    unicode(name),
    global('torch._utils', '_rebuild_tensor_v2'),
    tuple(
      tuple(unicode('storage'), global('torch', t.storageType ?? 'FloatStorage'), unicode(t.key), unicode('cpu'), binint(t.numel)),
      BINPERSID,
      binint(t.offset ?? 0),
      tuple(...t.size.map(binint)),
      tuple(...t.stride.map(binint)),
      NEWFALSE,
      global('collections', 'OrderedDict'),
      EMPTY_TUPLE,
      REDUCE,
    ),
    REDUCE,
    SETITEM,
    STOP,
  );
}

/** A torch-style zip archive (`<folder>/data.pkl`, `<folder>/data/<key>`, `<folder>/version`) with stored records. */
export function torchZip(folder: string, pkl: Uint8Array, storages: Record<string, Uint8Array> = {}): Uint8Array {
  const files: Record<string, [Uint8Array, { level: 0 }]> = { [`${folder}/data.pkl`]: [pkl, { level: 0 }] };
  for (const [key, bytes] of Object.entries(storages)) files[`${folder}/data/${key}`] = [bytes, { level: 0 }];
  files[`${folder}/version`] = [text.encode('3\n'), { level: 0 }];
  return zipSync(files);
}
