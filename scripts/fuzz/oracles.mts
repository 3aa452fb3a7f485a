/**
 * Independent consistency checks, run in the parent on every input a parser accepted. Where a format has a checksum
 * or a consistency rule, an accepted input that breaks it is a silently accepted corruption. These checks share no
 * code with the parsers (apart from the EXR header reader, whose output only locates the offset table).
 */
import zlib from 'node:zlib';
import { parseExrHeader } from '../../packages/datasets/src/index.ts';
import type { Parser } from './targets.mts';

/** Returns undefined when the input keeps its format's checksums and consistency rules, else what it breaks. */
export function violation(parser: Parser, b: Uint8Array): string | undefined {
  try {
    switch (parser) {
      case 'png':
      case 'png-fflate':
        return pngViolation(b);
      case 'npz':
      case 'pth':
        return zipViolation(b);
      case 'safetensors':
        return safetensorsViolation(b);
      case 'exr':
        return exrViolation(b);
      default:
        return undefined; // npy, pfm, jpeg, hdf5 (as read here): no checksum; their size rules are checked by the parser
    }
  } catch (e) {
    return `oracle could not read the accepted input: ${(e as Error).message}`;
  }
}

function pngViolation(b: Uint8Array): string | undefined {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let w = 0,
    h = 0,
    depth = 0,
    colour = 0;
  const idat: Uint8Array[] = [];
  for (let p = 8; ; ) {
    if (p + 12 > b.length) return 'chunks run past the end';
    const len = dv.getUint32(p);
    if (p + 12 + len > b.length) return 'chunk runs past the end';
    const type = String.fromCharCode(...b.subarray(p + 4, p + 8));
    if (zlib.crc32(b.subarray(p + 4, p + 8 + len)) !== dv.getUint32(p + 8 + len)) return `chunk ${type} at ${p}: CRC mismatch`;
    if (type === 'IHDR') [w, h, depth, colour] = [dv.getUint32(p + 8), dv.getUint32(p + 12), b[p + 16], b[p + 17]];
    if (type === 'IDAT') idat.push(b.subarray(p + 8, p + 8 + len));
    if (type === 'IEND') break;
    p += 12 + len;
  }
  const channels = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[colour as 0] ?? 0;
  const expected = h * (Math.ceil((w * channels * depth) / 8) + 1);
  const raw = zlib.inflateSync(Buffer.concat(idat), { maxOutputLength: Math.max(1, expected + 1) });
  if (raw.length !== expected) return `IDAT inflates to ${raw.length} bytes, IHDR needs ${expected}`;
  return undefined;
}

function zipViolation(b: Uint8Array): string | undefined {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let eocd = -1;
  for (let p = b.length - 22; p >= 0; p--)
    if (dv.getUint32(p, true) === 0x06054b50) {
      eocd = p;
      break;
    }
  if (eocd < 0) return 'no end of central directory';
  let count = dv.getUint16(eocd + 10, true);
  let p = dv.getUint32(eocd + 16, true);
  if (count === 0xffff || p === 0xffffffff) {
    // zip64: locator just before the EOCD
    const loc = eocd - 20;
    const z64 = Number(dv.getBigUint64(loc + 8, true));
    count = Number(dv.getBigUint64(z64 + 32, true));
    p = Number(dv.getBigUint64(z64 + 48, true));
  }
  for (let i = 0; i < count; i++) {
    if (dv.getUint32(p, true) !== 0x02014b50) return `central entry ${i} signature`;
    const method = dv.getUint16(p + 10, true);
    const crc = dv.getUint32(p + 16, true);
    let csize = dv.getUint32(p + 20, true);
    let usize = dv.getUint32(p + 24, true);
    const nameLen = dv.getUint16(p + 28, true);
    const extraLen = dv.getUint16(p + 30, true);
    const commentLen = dv.getUint16(p + 32, true);
    let local = dv.getUint32(p + 42, true);
    // zip64 extra field (id 1): sizes / offset that are 0xffffffff in the fixed fields
    for (let e = p + 46 + nameLen; e + 4 <= p + 46 + nameLen + extraLen; ) {
      const id = dv.getUint16(e, true);
      const size = dv.getUint16(e + 2, true);
      if (id === 1) {
        let q = e + 4;
        if (usize === 0xffffffff) {
          usize = Number(dv.getBigUint64(q, true));
          q += 8;
        }
        if (csize === 0xffffffff) {
          csize = Number(dv.getBigUint64(q, true));
          q += 8;
        }
        if (local === 0xffffffff) local = Number(dv.getBigUint64(q, true));
      }
      e += 4 + size;
    }
    const name = new TextDecoder().decode(b.subarray(p + 46, p + 46 + nameLen));
    const start = local + 30 + dv.getUint16(local + 26, true) + dv.getUint16(local + 28, true);
    const body = b.subarray(start, start + csize);
    const data = method === 0 ? body : zlib.inflateRawSync(body, { maxOutputLength: Math.max(1, usize + 1) });
    if (data.length !== usize) return `member ${name}: ${data.length} bytes, declares ${usize}`;
    if (zlib.crc32(data) !== crc) return `member ${name}: CRC-32 mismatch`;
    p += 46 + nameLen + extraLen + commentLen;
  }
  return undefined;
}

const ITEM: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

function safetensorsViolation(b: Uint8Array): string | undefined {
  const n = Number(new DataView(b.buffer, b.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(b.subarray(8, 8 + n)));
  const dataLen = b.length - 8 - n;
  const ranges: Array<[number, number, string]> = [];
  for (const [k, v] of Object.entries<any>(header)) {
    if (k === '__metadata__') {
      for (const [mk, mv] of Object.entries(v)) if (typeof mv !== 'string') return `metadata ${mk} is not a string`;
      continue;
    }
    const [s, e] = v.data_offsets;
    const size = (v.shape as number[]).reduce((a, x) => a * x, 1) * ITEM[v.dtype];
    if (!(e - s === size && s >= 0 && e <= dataLen)) return `tensor ${k}: offsets [${s}, ${e}] for ${size} bytes`;
    if (e > s) ranges.push([s, e, k]);
  }
  ranges.sort((x, y) => x[0] - y[0]);
  for (let i = 1; i < ranges.length; i++) if (ranges[i][0] < ranges[i - 1][1]) return `tensors ${ranges[i - 1][2]} and ${ranges[i][2]} overlap`;
  return undefined;
}

function exrViolation(b: Uint8Array): string | undefined {
  const h = parseExrHeader(b);
  const per = { none: 1, rle: 1, zips: 1, zip: 16, piz: 32 }[h.compression as 'none'] ?? 0;
  const blocks = Math.ceil(h.height / per);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const seen = new Set<number>();
  for (let i = 0; i < blocks; i++) {
    const off = Number(dv.getBigUint64(h.headerEnd + 8 * i, true));
    const y = dv.getInt32(off, true);
    if (seen.has(y)) return `line block y=${y} twice`;
    seen.add(y);
  }
  for (let y = h.dataWindow.yMin; y <= h.dataWindow.yMax; y += per) if (!seen.has(y)) return `line block y=${y} missing`;
  return undefined;
}
