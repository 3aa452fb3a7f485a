/**
 * A restricted, weights-only pickle virtual machine.
 *
 * Why our own VM and not `pickleparser` (npm, 0.2.x): that package is a general unpickler whose model
 * is "construct whatever class is named, optionally from a registry", with unknown names turned into
 * placeholder objects, and it accepts opcodes (INST, OBJ, EXT*, PERSID text ids, ...) that a state
 * dict never needs. A safe reader needs the opposite shape: a closed list of opcodes, a closed list of
 * globals checked at the moment GLOBAL/STACK_GLOBAL is read (refused there, with the name, before
 * anything is built), calls that dispatch to our own fixed handlers, and every length field bounded
 * by the bytes that remain. That is ~300 lines with no dependency, so it is written here.
 *
 * Semantics follow `torch.load(..., weights_only=True)`: the allow-list is torch's
 * (`torch/_weights_only_unpickler.py`), BUILD only on OrderedDict (state stored, nothing executed),
 * APPEND(S) only on lists, SETITEM(S) only on dicts. Opcodes: everything torch's unpickler reads
 * (protocol 2) plus the protocol 3–5 framing/memo/bytes opcodes Python emits when `torch.save` is
 * given a higher `pickle_protocol` (FRAME, MEMOIZE, SHORT_BINUNICODE, BINUNICODE8, STACK_GLOBAL,
 * SHORT_BINBYTES, BINBYTES, BINBYTES8, EMPTY_SET/ADDITEMS, FROZENSET). Anything else is refused.
 */
import { CheckpointError } from './errors.js';
import { PickleDict, PickleGlobal, type PickleValue } from './pickle-values.js';

export interface PickleCallbacks {
  /** Whether `module.name` may be referenced at all; checked when GLOBAL/STACK_GLOBAL is read. */
  isAllowed(fullName: string): boolean;
  /** REDUCE / NEWOBJ of an allowed global with its arguments. */
  call(fn: PickleGlobal, args: readonly PickleValue[]): PickleValue;
  /** BINPERSID: resolves a persistent id (torch: a storage). */
  persistentLoad(pid: PickleValue): PickleValue;
}

/** Bounds on what one pickle may build; a state dict is far below them. */
export interface PickleLimits {
  maxMemo?: number;
  maxDepth?: number;
}

const MARK = Symbol('mark');
type StackItem = PickleValue | typeof MARK;

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Python's `decode_long`: little-endian two's complement. */
function decodeLong(bytes: Uint8Array): number | bigint {
  if (bytes.length === 0) return 0;
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
  if (bytes[bytes.length - 1] & 0x80) v -= 1n << BigInt(bytes.length * 8);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** Unpickles `bytes` under the allow-list in `callbacks`. `label` names the file in errors. */
export function restrictedUnpickle(bytes: Uint8Array, callbacks: PickleCallbacks, label: string, limits: PickleLimits = {}): PickleValue {
  const maxMemo = limits.maxMemo ?? 1 << 22;
  const maxDepth = limits.maxDepth ?? 1 << 16;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  let stack: StackItem[] = [];
  const metastack: StackItem[][] = [];
  const memo = new Map<number, PickleValue>();

  const fail = (message: string): never => {
    throw new CheckpointError(`${label}: ${message}`);
  };
  const need = (n: number, what: string) => {
    if (!Number.isSafeInteger(n) || n < 0 || n > bytes.length - pos)
      fail(`${what} of ${n} bytes at offset ${pos} runs past the end of the pickle (${bytes.length - pos} bytes left)`);
  };
  const take = (n: number, what: string): Uint8Array => {
    need(n, what);
    const out = bytes.subarray(pos, pos + n);
    pos += n;
    return out;
  };
  const u8 = (what: string) => take(1, what)[0];
  const u16 = (what: string) => (need(2, what), (pos += 2), view.getUint16(pos - 2, true));
  const u32 = (what: string) => (need(4, what), (pos += 4), view.getUint32(pos - 4, true));
  const u64 = (what: string) => {
    need(8, what);
    const v = view.getUint32(pos, true) + view.getUint32(pos + 4, true) * 2 ** 32;
    pos += 8;
    return v;
  };
  const utf8 = (b: Uint8Array, what: string): string => {
    try {
      return decoder.decode(b);
    } catch {
      return fail(`${what} is not valid UTF-8`);
    }
  };
  const line = (what: string): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail(`${what} is not terminated by a newline`);
    const text = utf8(bytes.subarray(pos, end), what);
    pos = end + 1;
    return text;
  };
  const pop = (op: string): PickleValue => {
    const v = stack.pop();
    if (v === undefined) return fail(`${op} on an empty stack`);
    if (v === MARK) return fail(`${op} found a MARK where a value was expected`);
    return v;
  };
  const top = (op: string): PickleValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) return fail(`${op} needs a value on the stack`);
    return v;
  };
  const push = (v: PickleValue) => {
    if (stack.length >= maxDepth) fail(`stack deeper than ${maxDepth}`);
    stack.push(v);
  };
  const popMark = (op: string): PickleValue[] => {
    const items = stack;
    const prev = metastack.pop();
    if (!prev) return fail(`${op} without a MARK`);
    stack = prev;
    return items as PickleValue[];
  };
  const global = (moduleName: string, name: string): PickleGlobal => {
    const fullName = `${moduleName}.${name}`;
    if (!callbacks.isAllowed(fullName)) {
      fail(`refusing to load: the pickle references the global '${fullName}', which a weights-only checkpoint may not contain (nothing was executed)`);
    }
    return new PickleGlobal(fullName);
  };
  const memoPut = (index: number, v: PickleValue) => {
    if (memo.size >= maxMemo && !memo.has(index)) fail(`more than ${maxMemo} memo entries`);
    memo.set(index, v);
  };
  const memoGet = (index: number): PickleValue => {
    if (!memo.has(index)) fail(`memo entry ${index} is read before it is written`);
    return memo.get(index) as PickleValue;
  };
  const setItems = (op: string, items: PickleValue[]) => {
    const target = top(op);
    if (!(target instanceof PickleDict)) return fail(`${op} on something that is not a dict`);
    if (items.length % 2) fail(`${op} with an odd number of items`);
    for (let i = 0; i < items.length; i += 2) target.set(items[i], items[i + 1]);
  };
  const appendItems = (op: string, items: PickleValue[]) => {
    const target = top(op);
    if (!Array.isArray(target) || Object.isFrozen(target)) return fail(`${op} on something that is not a list`);
    (target as PickleValue[]).push(...items);
  };

  while (true) {
    if (pos >= bytes.length) fail('the pickle ends without a STOP opcode (truncated?)');
    const at = pos;
    const op = bytes[pos++];
    switch (op) {
      case 0x80: // PROTO
        if (u8('PROTO') > 5) fail('pickle protocol above 5');
        break;
      case 0x95: // FRAME: only a size hint here, the frame's contents follow inline
        u64('FRAME');
        break;
      case 0x2e: // STOP
        {
          const result = pop('STOP');
          if (metastack.length) fail('STOP inside an unclosed MARK');
          return result;
        }
      case 0x28: // MARK
        metastack.push(stack);
        stack = [];
        break;
      case 0x4e: // NONE
        push(null);
        break;
      case 0x88: // NEWTRUE
        push(true);
        break;
      case 0x89: // NEWFALSE
        push(false);
        break;
      case 0x4b: // BININT1
        push(u8('BININT1'));
        break;
      case 0x4d: // BININT2
        push(u16('BININT2'));
        break;
      case 0x4a: // BININT
        need(4, 'BININT');
        push(view.getInt32(pos, true));
        pos += 4;
        break;
      case 0x8a: // LONG1
        push(decodeLong(take(u8('LONG1'), 'LONG1')));
        break;
      case 0x47: // BINFLOAT (big-endian)
        need(8, 'BINFLOAT');
        push(view.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x58: // BINUNICODE
        push(utf8(take(u32('BINUNICODE'), 'BINUNICODE string'), 'BINUNICODE string'));
        break;
      case 0x8c: // SHORT_BINUNICODE
        push(utf8(take(u8('SHORT_BINUNICODE'), 'SHORT_BINUNICODE string'), 'SHORT_BINUNICODE string'));
        break;
      case 0x8d: // BINUNICODE8
        push(utf8(take(u64('BINUNICODE8'), 'BINUNICODE8 string'), 'BINUNICODE8 string'));
        break;
      case 0x55: // SHORT_BINSTRING (Python 2 str; torch decodes as ASCII)
        push(utf8(take(u8('SHORT_BINSTRING'), 'SHORT_BINSTRING'), 'SHORT_BINSTRING'));
        break;
      case 0x43: // SHORT_BINBYTES
        push(take(u8('SHORT_BINBYTES'), 'SHORT_BINBYTES').slice());
        break;
      case 0x42: // BINBYTES
        push(take(u32('BINBYTES'), 'BINBYTES').slice());
        break;
      case 0x8e: // BINBYTES8
        push(take(u64('BINBYTES8'), 'BINBYTES8').slice());
        break;
      case 0x29: // EMPTY_TUPLE
        push(Object.freeze([]));
        break;
      case 0x85: // TUPLE1
        push(Object.freeze([pop('TUPLE1')]));
        break;
      case 0x86: {
        // TUPLE2
        const b = pop('TUPLE2');
        const a = pop('TUPLE2');
        push(Object.freeze([a, b]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop('TUPLE3');
        const b = pop('TUPLE3');
        const a = pop('TUPLE3');
        push(Object.freeze([a, b, c]));
        break;
      }
      case 0x74: // TUPLE
        push(Object.freeze(popMark('TUPLE')));
        break;
      case 0x5d: // EMPTY_LIST
        push([]);
        break;
      case 0x61: {
        // APPEND
        const item = pop('APPEND');
        appendItems('APPEND', [item]);
        break;
      }
      case 0x65: // APPENDS
        appendItems('APPENDS', popMark('APPENDS'));
        break;
      case 0x7d: // EMPTY_DICT
        push(new PickleDict());
        break;
      case 0x73: {
        // SETITEM
        const v = pop('SETITEM');
        const k = pop('SETITEM');
        setItems('SETITEM', [k, v]);
        break;
      }
      case 0x75: // SETITEMS
        setItems('SETITEMS', popMark('SETITEMS'));
        break;
      case 0x8f: // EMPTY_SET: a set of plain values is kept as a frozen list
        push([]);
        break;
      case 0x90: // ADDITEMS
        appendItems('ADDITEMS', popMark('ADDITEMS'));
        break;
      case 0x91: // FROZENSET
        push(Object.freeze(popMark('FROZENSET')));
        break;
      case 0x71: // BINPUT
        memoPut(u8('BINPUT'), top('BINPUT'));
        break;
      case 0x72: // LONG_BINPUT
        memoPut(u32('LONG_BINPUT'), top('LONG_BINPUT'));
        break;
      case 0x94: // MEMOIZE
        memoPut(memo.size, top('MEMOIZE'));
        break;
      case 0x68: // BINGET
        push(memoGet(u8('BINGET')));
        break;
      case 0x6a: // LONG_BINGET
        push(memoGet(u32('LONG_BINGET')));
        break;
      case 0x63: {
        // GLOBAL "module\nname\n"
        const moduleName = line('GLOBAL module');
        push(global(moduleName, line('GLOBAL name')));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop('STACK_GLOBAL');
        const moduleName = pop('STACK_GLOBAL');
        if (typeof name !== 'string' || typeof moduleName !== 'string') fail('STACK_GLOBAL needs two strings');
        push(global(moduleName as string, name as string));
        break;
      }
      case 0x52: // REDUCE
      case 0x81: {
        // NEWOBJ
        const name = op === 0x52 ? 'REDUCE' : 'NEWOBJ';
        const args = pop(name);
        const fn = pop(name);
        if (!(fn instanceof PickleGlobal)) fail(`${name} on something that is not an allowed global`);
        if (!Array.isArray(args)) fail(`${name} arguments are not a tuple`);
        push(callbacks.call(fn as PickleGlobal, args as PickleValue[]));
        break;
      }
      case 0x62: {
        // BUILD: only OrderedDict state (torch's `_metadata`) is accepted, and only stored
        const state = pop('BUILD');
        const target = top('BUILD');
        if (!(target instanceof PickleDict) || target.pyType !== 'collections.OrderedDict') fail('BUILD on something other than an OrderedDict');
        (target as PickleDict).state = state;
        break;
      }
      case 0x51: // BINPERSID
        push(callbacks.persistentLoad(pop('BINPERSID')));
        break;
      default:
        fail(`unsupported pickle opcode 0x${op.toString(16).padStart(2, '0')} at offset ${at} (weights-only loading accepts only the opcodes of plain data)`);
    }
  }
}
