/** Mutators: generic byte-level ones for every format, plus format-aware ones that reach the deeper checks. */
import zlib from 'node:zlib';
import type { Parser } from './targets.mts';

export type Rng = () => number; // [0, 1)

export function makeRng(seed: number): Rng {
  let s = seed >>> 0 || 1;
  return () => {
    // xorshift32
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

const pick = <T,>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const int = (r: Rng, n: number): number => Math.floor(r() * n);

const INTERESTING_8 = [0, 1, 0x7f, 0x80, 0xff, 0x20, 0x30, 0x39];
const INTERESTING_32 = [
  0,
  1,
  2,
  7,
  8,
  16,
  255,
  256,
  0x7fff,
  0x8000,
  0xffff,
  0x10000,
  0x7fffffff,
  0x80000000,
  0xffffffff,
  0xfffffffe,
  11585,
  65537,
  1 << 20,
  1 << 24,
];

type Mutation = { bytes: Uint8Array; desc: string };

// ---- generic -------------------------------------------------------------------------------------------------------

function bitFlip(b: Uint8Array, r: Rng): Mutation {
  const out = b.slice();
  const at = int(r, out.length);
  const bit = int(r, 8);
  out[at] ^= 1 << bit;
  return { bytes: out, desc: `flip bit ${bit} of byte ${at}` };
}

function setByte(b: Uint8Array, r: Rng): Mutation {
  const out = b.slice();
  const at = int(r, out.length);
  out[at] = pick(r, INTERESTING_8);
  return { bytes: out, desc: `byte ${at} = ${out[at]}` };
}

function setInt(b: Uint8Array, r: Rng): Mutation {
  const out = b.slice();
  if (out.length < 4) return bitFlip(b, r);
  const at = int(r, out.length - 3);
  const v = pick(r, INTERESTING_32);
  const le = r() < 0.5;
  const width = pick(r, [2, 4]);
  const dv = new DataView(out.buffer);
  if (width === 2) dv.setUint16(at, v & 0xffff, le);
  else dv.setUint32(at, v >>> 0, le);
  return { bytes: out, desc: `u${width * 8}${le ? 'le' : 'be'} at ${at} = ${v}` };
}

function truncate(b: Uint8Array, r: Rng): Mutation {
  const at = int(r, b.length);
  return { bytes: b.slice(0, at), desc: `truncate to ${at}` };
}

function insertRandom(b: Uint8Array, r: Rng): Mutation {
  const at = int(r, b.length + 1);
  const n = 1 + int(r, 64);
  const ins = Uint8Array.from({ length: n }, () => int(r, 256));
  const out = new Uint8Array(b.length + n);
  out.set(b.subarray(0, at));
  out.set(ins, at);
  out.set(b.subarray(at), at + n);
  return { bytes: out, desc: `insert ${n} random bytes at ${at}` };
}

function deleteRange(b: Uint8Array, r: Rng): Mutation {
  const at = int(r, b.length);
  const n = 1 + int(r, Math.min(256, b.length - at));
  const out = new Uint8Array(b.length - n);
  out.set(b.subarray(0, at));
  out.set(b.subarray(at + n), at);
  return { bytes: out, desc: `delete ${n} bytes at ${at}` };
}

function copyOver(b: Uint8Array, r: Rng): Mutation {
  const out = b.slice();
  const n = 1 + int(r, Math.min(64, out.length));
  const from = int(r, out.length - n + 1);
  const to = int(r, out.length - n + 1);
  out.copyWithin(to, from, from + n);
  return { bytes: out, desc: `copy ${n} bytes ${from} → ${to}` };
}

function duplicateRange(b: Uint8Array, r: Rng): Mutation {
  const n = 1 + int(r, Math.min(512, b.length));
  const from = int(r, b.length - n + 1);
  const at = int(r, b.length + 1);
  const out = new Uint8Array(b.length + n);
  out.set(b.subarray(0, at));
  out.set(b.subarray(from, from + n), at);
  out.set(b.subarray(at), at + n);
  return { bytes: out, desc: `duplicate ${n} bytes from ${from} at ${at}` };
}

const GENERIC = [bitFlip, bitFlip, setByte, setInt, setInt, truncate, insertRandom, deleteRange, copyOver, duplicateRange];

// ---- PNG -----------------------------------------------------------------------------------------------------------

interface Chunk {
  type: string;
  at: number;
  len: number;
}
function pngChunks(b: Uint8Array): Chunk[] {
  const out: Chunk[] = [];
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let p = 8; p + 12 <= b.length; ) {
    const len = dv.getUint32(p);
    if (p + 12 + len > b.length) break;
    out.push({ type: String.fromCharCode(...b.subarray(p + 4, p + 8)), at: p, len });
    p += 12 + len;
  }
  return out;
}
function fixCrc(b: Uint8Array, c: Chunk): void {
  new DataView(b.buffer, b.byteOffset).setUint32(c.at + 8 + c.len, zlib.crc32(b.subarray(c.at + 4, c.at + 8 + c.len)));
}
function pngMutation(b: Uint8Array, r: Rng): Mutation {
  const cs = pngChunks(b);
  const ihdr = cs.find((c) => c.type === 'IHDR');
  const idats = cs.filter((c) => c.type === 'IDAT');
  const out = b.slice();
  const dv = new DataView(out.buffer);
  if (cs.length === 0) return bitFlip(b, r);
  switch (int(r, 5)) {
    case 0: {
      // an IHDR field changed, CRC made consistent: the size rule must catch it
      if (!ihdr) break;
      const field = pick(r, [0, 4, 8, 9, 10, 11, 12]);
      if (field < 8) dv.setUint32(ihdr.at + 8 + field, pick(r, [1, 2, 3, dv.getUint32(ihdr.at + 8 + field) + pick(r, [-1, 1, 2]), 0x7fffffff]) >>> 0);
      else out[ihdr.at + 8 + field] = pick(r, [0, 1, 2, 3, 4, 6, 8, 16]);
      fixCrc(out, ihdr);
      return { bytes: out, desc: `IHDR byte ${field} changed, CRC fixed` };
    }
    case 1: {
      // IDAT bytes changed, CRC made consistent: zlib's Adler-32 must catch it
      if (idats.length === 0) break;
      const c = pick(r, idats);
      const at = c.at + 8 + int(r, c.len);
      out[at] ^= 1 << int(r, 8);
      fixCrc(out, c);
      return { bytes: out, desc: `IDAT byte ${at} flipped, CRC fixed` };
    }
    case 2: {
      // IDAT recompressed from changed raw data: a consistent stream whose size disagrees with IHDR
      if (idats.length === 0) break;
      const z = Buffer.concat(idats.map((c) => b.subarray(c.at + 8, c.at + 8 + c.len)));
      let raw: Uint8Array;
      try {
        raw = zlib.inflateSync(z);
      } catch {
        break;
      }
      const delta = pick(r, [-1, 1, -17, 33]);
      const changed = delta < 0 ? raw.subarray(0, Math.max(0, raw.length + delta)) : Buffer.concat([raw, Buffer.alloc(delta)]);
      const body = zlib.deflateSync(changed);
      const chunk = new Uint8Array(12 + body.length);
      new DataView(chunk.buffer).setUint32(0, body.length);
      chunk.set([73, 68, 65, 84], 4);
      chunk.set(body, 8);
      new DataView(chunk.buffer).setUint32(8 + body.length, zlib.crc32(chunk.subarray(4, 8 + body.length)));
      const first = idats[0].at;
      const last = idats[idats.length - 1];
      const end = last.at + 12 + last.len;
      const res = new Uint8Array(first + chunk.length + (b.length - end));
      res.set(b.subarray(0, first));
      res.set(chunk, first);
      res.set(b.subarray(end), first + chunk.length);
      return { bytes: res, desc: `IDAT recompressed with ${delta} raw bytes` };
    }
    case 3: {
      // a chunk removed or duplicated
      const c = pick(r, cs);
      const whole = b.subarray(c.at, c.at + 12 + c.len);
      const dup = r() < 0.5;
      const res = new Uint8Array(b.length + (dup ? whole.length : -whole.length));
      res.set(b.subarray(0, c.at));
      if (dup) {
        res.set(whole, c.at);
        res.set(b.subarray(c.at), c.at + whole.length);
      } else res.set(b.subarray(c.at + whole.length), c.at);
      return { bytes: res, desc: `chunk ${c.type} ${dup ? 'duplicated' : 'removed'}` };
    }
    default: {
      // a chunk length field changed
      const c = pick(r, cs);
      dv.setUint32(c.at, pick(r, [0, c.len - 1, c.len + 1, 0x7fffffff, 0xffffffff]) >>> 0);
      return { bytes: out, desc: `chunk ${c.type} length changed` };
    }
  }
  return bitFlip(b, r);
}

// ---- safetensors ---------------------------------------------------------------------------------------------------

function safetensorsMutation(b: Uint8Array, r: Rng): Mutation {
  if (b.length < 8) return bitFlip(b, r);
  const n = new DataView(b.buffer, b.byteOffset).getUint32(0, true);
  let header: Record<string, any>;
  try {
    header = JSON.parse(new TextDecoder().decode(b.subarray(8, 8 + n)));
  } catch {
    return bitFlip(b, r);
  }
  const names = Object.keys(header).filter((k) => k !== '__metadata__');
  const name = names.length ? pick(r, names) : undefined;
  const e = name ? header[name] : undefined;
  let desc = '';
  switch (int(r, 8)) {
    case 0:
      if (e) {
        e.data_offsets = [int(r, 2) ? e.data_offsets[0] - pick(r, [1, 2, 4, 8]) : e.data_offsets[0], e.data_offsets[1] + pick(r, [-4, -1, 0, 4])];
        desc = `offsets of ${name}`;
      }
      break;
    case 1:
      if (e && names.length > 1) {
        const other = header[pick(r, names)];
        e.data_offsets = [...other.data_offsets];
        desc = `${name} given another tensor's offsets`;
      }
      break;
    case 2:
      if (e) {
        e.shape = pick(r, [[], [0], [2 ** 40, 2 ** 20], [-1], [1.5], [[2]], e.shape.concat([1]), e.shape.slice(1)]);
        desc = `shape of ${name}`;
      }
      break;
    case 3:
      if (e) {
        e.dtype = pick(r, ['F8_E4M3', 'F32', 'U8', 'I64', 'BOOL', 7, null, 'BF16']);
        desc = `dtype of ${name}`;
      }
      break;
    case 4: {
      let v: unknown = 'x';
      const depth = pick(r, [2, 10, 100, 5000]);
      for (let i = 0; i < depth; i++) v = [v];
      header.__metadata__ = { ...(header.__metadata__ ?? {}), nested: v, n: 3 };
      desc = `metadata nested ${depth} deep`;
      break;
    }
    case 5:
      if (e) {
        Object.defineProperty(header, '__proto__', { value: e, enumerable: true, configurable: true, writable: true });
        desc = `__proto__ names a copy of ${name}`;
      }
      break;
    case 6:
      if (e) {
        header[`empty${int(r, 9)}`] = { dtype: 'F32', shape: [0], data_offsets: [e.data_offsets[0] + 4, e.data_offsets[0] + 4] };
        desc = 'empty tensor inside another range';
      }
      if (names.length > 1) {
        const o = header[pick(r, names)];
        o.data_offsets = [o.data_offsets[0] - 4, o.data_offsets[1] - 4];
      }
      break;
    default:
      if (e) {
        e.data_offsets = [e.data_offsets[0], 'x'];
        desc = 'non-numeric offset';
      }
  }
  if (!desc) return setInt(b, r);
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + (b.length - 8 - n));
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  out.set(b.subarray(8 + n), 8 + json.length);
  return { bytes: out, desc: `header: ${desc}` };
}

// ---- npy / npz / zip -----------------------------------------------------------------------------------------------

function npyMutation(b: Uint8Array, r: Rng): Mutation {
  const text = new TextDecoder('latin1').decode(b.subarray(0, Math.min(b.length, 256)));
  const end = text.indexOf('\n');
  if (end < 0) return setInt(b, r);
  const header = text.slice(0, end);
  const variants = [
    () => header.replace(/\(([^)]*)\)/, `(${pick(r, ['0, 5', '100000, 100000', '3, 4, 5, 6', '', '-1, 2', '2**31, 2', '1e3, 2', '4294967296, 4294967296'])})`),
    () => header.replace(/'descr': '[^']*'/, `'descr': '${pick(r, ['<f4', '>f8', '<c8', '|O', '<U10', '<f2', '<i8', '|b1', 'f4'])}'`),
    () => header.replace(/True|False/, pick(r, ['True', 'False', 'Maybe'])),
  ];
  const changed = pick(r, variants)();
  const enc = Uint8Array.from(changed, (c) => c.charCodeAt(0) & 255);
  const out = new Uint8Array(b.length - header.length + enc.length);
  out.set(enc);
  out.set(b.subarray(header.length), enc.length);
  const v1 = out[6] === 1;
  const dv = new DataView(out.buffer);
  const hdrLen = (v1 ? dv.getUint16(8, true) : dv.getUint32(8, true)) + enc.length - header.length;
  if (r() < 0.8) {
    if (v1) dv.setUint16(8, Math.max(0, hdrLen) & 0xffff, true);
    else dv.setUint32(8, Math.max(0, hdrLen), true);
  }
  return { bytes: out, desc: `npy header: ${changed.slice(0, 90)}` };
}

function zipCentralEntries(b: Uint8Array): number[] {
  const out: number[] = [];
  for (let p = 0; p + 4 <= b.length; p++) if (b[p] === 0x50 && b[p + 1] === 0x4b && b[p + 2] === 1 && b[p + 3] === 2) out.push(p);
  return out;
}

function zipMutation(b: Uint8Array, r: Rng): Mutation {
  const cds = zipCentralEntries(b);
  if (cds.length === 0) return setInt(b, r);
  const cd = pick(r, cds);
  const out = b.slice();
  const dv = new DataView(out.buffer);
  const field = pick(r, [16, 20, 24, 42]); // crc, compressed size, uncompressed size, local header offset
  const old = dv.getUint32(cd + field, true);
  const v = pick(r, [0, old + 1, old - 1, old * 2, 0xffffffff, 0x7fffffff, old + 1000]) >>> 0;
  dv.setUint32(cd + field, v, true);
  const local = dv.getUint32(cd + 42, true);
  if (field !== 42 && r() < 0.5 && local + 30 <= out.length) dv.setUint32(local + field - 2, v, true); // keep the local header in step
  return { bytes: out, desc: `zip central field +${field}: ${old} → ${v}` };
}

// ---- EXR -----------------------------------------------------------------------------------------------------------

function exrMutation(b: Uint8Array, r: Rng): Mutation {
  const text = new TextDecoder('latin1').decode(b.subarray(0, Math.min(b.length, 4096)));
  const out = b.slice();
  const dv = new DataView(out.buffer);
  const headerEnd = (() => {
    // the offset table follows the header's terminating NUL: find the first 8-byte offset pointing inside the file
    let p = 8;
    for (;;) {
      if (p >= b.length || b[p] === 0) return p + 1;
      const n1 = b.indexOf(0, p);
      const n2 = b.indexOf(0, n1 + 1);
      if (n1 < 0 || n2 < 0 || n2 + 4 > b.length) return -1;
      p = n2 + 1 + 4 + new DataView(b.buffer, b.byteOffset).getInt32(n2 + 1, true);
    }
  })();
  const choice = int(r, 4);
  if (choice <= 1 && headerEnd > 0 && headerEnd + 16 <= b.length) {
    const count = Math.max(1, Math.min(64, Math.floor((b.length - headerEnd) / 8)));
    const i = int(r, count);
    const j = int(r, count);
    if (choice === 0) {
      out.copyWithin(headerEnd + 8 * i, headerEnd + 8 * j, headerEnd + 8 * j + 8);
      return { bytes: out, desc: `offset table: entry ${i} = entry ${j}` };
    }
    dv.setBigUint64(headerEnd + 8 * i, BigInt(pick(r, [0, 8, headerEnd, b.length - 8, b.length, 2 ** 40])), true);
    return { bytes: out, desc: `offset table: entry ${i} changed` };
  }
  if (choice === 2) {
    const at = text.indexOf('dataWindow');
    if (at >= 0) {
      const v = at + 'dataWindow'.length + 1 + 'box2i'.length + 1 + 4 + 4 * int(r, 4);
      dv.setInt32(v, pick(r, [0, -1, 1, 66, 74, 499, 11584, 0x7fffffff, -0x80000000, 65535]), true);
      return { bytes: out, desc: `dataWindow field at ${v}` };
    }
  }
  const at = text.indexOf('chlist');
  if (at >= 0) {
    const v = at + 'chlist'.length + 1 + 4 + 2 + 4 * int(r, 5);
    if (v + 4 <= out.length) {
      dv.setInt32(v, pick(r, [0, 1, 2, 3, -1, 2 ** 30]), true);
      return { bytes: out, desc: `channel list field at ${v}` };
    }
  }
  return setInt(b, r);
}

// ---- PFM / JPEG ----------------------------------------------------------------------------------------------------

function pfmMutation(b: Uint8Array, r: Rng): Mutation {
  const text = new TextDecoder('latin1').decode(b.subarray(0, Math.min(64, b.length)));
  const m = /^(\S+)(\s+)(\S+)(\s+)(\S+)(\s+)(\S+)\s/.exec(text);
  if (!m) return setInt(b, r);
  const tokens = [m[1], m[3], m[5], m[7]];
  const k = int(r, 4);
  tokens[k] = pick(r, k === 0 ? ['Pf', 'PF', 'P5', 'pf'] : ['0', '-1', '1', '65536', '100000', '1e9', 'NaN', 'inf', '3.5', '0x10', '', '999999999999']);
  const head = `${tokens[0]}\n${tokens[1]} ${tokens[2]}\n${tokens[3]}\n`;
  const enc = Uint8Array.from(head, (c) => c.charCodeAt(0));
  const out = new Uint8Array(enc.length + b.length - m[0].length);
  out.set(enc);
  out.set(b.subarray(m[0].length), enc.length);
  return { bytes: out, desc: `pfm header ${JSON.stringify(head)}` };
}

function jpegMutation(b: Uint8Array, r: Rng): Mutation {
  const out = b.slice();
  const dv = new DataView(out.buffer);
  const segs: Array<[number, number]> = [];
  for (let p = 2; p + 4 <= b.length; ) {
    if (b[p] !== 0xff) break;
    const m = b[p + 1];
    if (m === 0xda) {
      segs.push([m, p]);
      break;
    }
    const len = (b[p + 2] << 8) | b[p + 3];
    segs.push([m, p]);
    p += 2 + len;
  }
  const sof = segs.find(([m]) => m >= 0xc0 && m <= 0xc2);
  if (sof && r() < 0.5) {
    const field = pick(r, [5, 7]);
    dv.setUint16(sof[1] + field, pick(r, [0, 1, 8, 4096, 8192, 16384, 65535]));
    return { bytes: out, desc: `SOF ${field === 5 ? 'height' : 'width'}` };
  }
  if (segs.length) {
    const [m, p] = pick(r, segs);
    if (r() < 0.5) dv.setUint16(p + 2, pick(r, [0, 1, 2, 3, 0xffff, dv.getUint16(p + 2) + 1]));
    else out[p + 4 + int(r, 8)] = pick(r, INTERESTING_8);
    return { bytes: out, desc: `segment 0x${m.toString(16)} at ${p}` };
  }
  return setInt(b, r);
}

const AWARE: Partial<Record<Parser, (b: Uint8Array, r: Rng) => Mutation>> = {
  png: pngMutation,
  'png-fflate': pngMutation,
  safetensors: safetensorsMutation,
  npy: npyMutation,
  npz: zipMutation,
  pth: zipMutation,
  exr: exrMutation,
  pfm: pfmMutation,
  jpeg: jpegMutation,
};

/** One to three stacked mutations; about half of them format-aware where the format has a mutator. */
export function mutate(parser: Parser, seed: Uint8Array, others: Uint8Array[], r: Rng): Mutation {
  let cur: Mutation = { bytes: seed, desc: '' };
  const steps = 1 + (r() < 0.3 ? int(r, 3) : 0);
  const descs: string[] = [];
  for (let s = 0; s < steps; s++) {
    let m: Mutation;
    if (cur.bytes.length === 0) break;
    const aware = AWARE[parser];
    if (aware && r() < 0.5) {
      try {
        m = aware(cur.bytes, r);
      } catch {
        m = bitFlip(cur.bytes, r); // an earlier step broke the structure the format-aware mutator needs
      }
    } else if (r() < 0.05 && others.length > 1) {
      // splice: head of this input, tail of another seed
      const o = pick(r, others);
      const a = int(r, cur.bytes.length);
      const bpos = int(r, o.length);
      const out = new Uint8Array(a + o.length - bpos);
      out.set(cur.bytes.subarray(0, a));
      out.set(o.subarray(bpos), a);
      m = { bytes: out, desc: `splice at ${a} with another seed from ${bpos}` };
    } else m = pick(r, GENERIC)(cur.bytes, r);
    descs.push(m.desc);
    cur = m;
  }
  return { bytes: cur.bytes, desc: descs.join('; ') };
}
