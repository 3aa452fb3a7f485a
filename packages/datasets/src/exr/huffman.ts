import { DecodeError } from '../errors.js';

/**
 * OpenEXR's PIZ Huffman coder (ImfHuf.cpp), decoder side: a packed canonical code-length table for 65537
 * symbols, then an MSB-first bit stream where the symbol `iM` (the largest used) introduces an 8-bit repeat count
 * of the previous output value.
 */

const HUF_ENCBITS = 16;
export const HUF_ENCSIZE = (1 << HUF_ENCBITS) + 1;
const HUF_DECBITS = 14;
const HUF_DECSIZE = 1 << HUF_DECBITS;
const SHORT_ZEROCODE_RUN = 59;
const LONG_ZEROCODE_RUN = 63;
const SHORTEST_LONG_RUN = 2 + LONG_ZEROCODE_RUN - SHORT_ZEROCODE_RUN;
const MAX_CODE_LENGTH = 58;

const fail = (msg: string): never => {
  throw new DecodeError('exr-piz', `huffman: ${msg}`);
};

/** MSB-first bit reader over a byte range; reads past the end return zero bits (checked by the caller). */
class BitReader {
  pos = 0; // bit position from `start`
  constructor(
    private readonly bytes: Uint8Array,
    private readonly start: number,
    private readonly end: number,
  ) {}
  peek(n: number): number {
    // n <= 24
    let v = 0;
    let bit = this.pos;
    let got = 0;
    while (got < n) {
      const byteIndex = this.start + (bit >> 3);
      const byte = byteIndex < this.end ? this.bytes[byteIndex] : 0;
      const avail = 8 - (bit & 7);
      const take = Math.min(avail, n - got);
      const bits = (byte >> (avail - take)) & ((1 << take) - 1);
      v = (v << take) | bits;
      got += take;
      bit += take;
    }
    return v >>> 0;
  }
  read(n: number): number {
    if (n <= 24) {
      const v = this.peek(n);
      this.pos += n;
      return v;
    }
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 2 + this.read(1);
    return v;
  }
}

/**
 * Unpacks the code lengths of symbols im..iM (6 bits each; 59–62 = short zero runs of 2–5, 63 + 8 bits = long
 * zero run) and assigns canonical codes. Returns `lengths` and `codes` (codes as numbers, up to 58 bits).
 */
export function unpackCodeTable(reader: BitReader, im: number, iM: number, maxBits: number): { lengths: Uint8Array; codes: Float64Array } {
  const lengths = new Uint8Array(HUF_ENCSIZE);
  for (let s = im; s <= iM; s++) {
    if (reader.pos + 6 > maxBits) fail('code table runs past the end of the data');
    const l = reader.read(6);
    if (l === LONG_ZEROCODE_RUN) {
      if (reader.pos + 8 > maxBits) fail('code table runs past the end of the data');
      const run = reader.read(8) + SHORTEST_LONG_RUN;
      if (s + run > iM + 1) fail('zero run past the last symbol');
      s += run - 1; // lengths already 0
    } else if (l >= SHORT_ZEROCODE_RUN) {
      const run = l - SHORT_ZEROCODE_RUN + 2;
      if (s + run > iM + 1) fail('zero run past the last symbol');
      s += run - 1;
    } else lengths[s] = l;
  }
  return { lengths, codes: canonicalCodes(lengths) };
}

/** OpenEXR's canonical code assignment (hufCanonicalCodeTable): longer codes get numerically smaller prefixes. */
export function canonicalCodes(lengths: Uint8Array): Float64Array {
  const count = new Float64Array(MAX_CODE_LENGTH + 1);
  for (let i = 0; i < lengths.length; i++) count[lengths[i]] += 1;
  let c = 0;
  for (let l = MAX_CODE_LENGTH; l > 0; l--) {
    const nc = Math.floor((c + count[l]) / 2);
    count[l] = c;
    c = nc;
  }
  const codes = new Float64Array(lengths.length);
  for (let i = 0; i < lengths.length; i++) {
    const l = lengths[i];
    if (l > 0) codes[i] = count[l]++;
  }
  return codes;
}

interface DecodeTable {
  /** For each 14-bit prefix: (length << 17) | symbol for codes of ≤ 14 bits, or -1 (a longer code, or none). */
  short: Int32Array;
  /**
   * Codes longer than 14 bits, canonical per length: codes of length l are the contiguous values
   * first[l] .. first[l] + count[l] − 1, held by symbols[offset[l] ..] in code order.
   */
  first: Float64Array;
  count: Int32Array;
  offset: Int32Array;
  symbols: Int32Array;
  /** Largest value any long code has: a bit string beyond it can never become a code, however long. */
  limit: number;
}

/**
 * Builds the decoding tables and checks that the code is prefix-free: each length's codes form one interval of the
 * code space ([first·2^(58−l), (first + count)·2^(58−l)) at 58-bit resolution), and the intervals must be disjoint.
 */
function buildDecodeTable(lengths: Uint8Array, codes: Float64Array, im: number, iM: number): DecodeTable {
  const count = new Int32Array(MAX_CODE_LENGTH + 1);
  const first = new Float64Array(MAX_CODE_LENGTH + 1).fill(Infinity);
  for (let s = im; s <= iM; s++) {
    const l = lengths[s];
    if (l === 0) continue;
    count[l]++;
    if (codes[s] < first[l]) first[l] = codes[s];
  }
  const spans: Array<[bigint, bigint]> = [];
  for (let l = 1; l <= MAX_CODE_LENGTH; l++) {
    if (count[l] === 0) continue;
    if (first[l] + count[l] > 2 ** l) fail(`invalid code for length ${l}`);
    const shift = BigInt(MAX_CODE_LENGTH - l);
    spans.push([BigInt(first[l]) << shift, BigInt(first[l] + count[l]) << shift]);
  }
  spans.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  for (let i = 1; i < spans.length; i++) if (spans[i][0] < spans[i - 1][1]) fail('code table is not prefix-free');
  const short = new Int32Array(HUF_DECSIZE).fill(-1);
  const offset = new Int32Array(MAX_CODE_LENGTH + 1);
  let nLong = 0;
  let limit = 0;
  for (let l = HUF_DECBITS + 1; l <= MAX_CODE_LENGTH; l++) {
    offset[l] = nLong;
    nLong += count[l];
    if (count[l] > 0) limit = Math.max(limit, first[l] + count[l]);
  }
  const symbols = new Int32Array(nLong);
  for (let s = im; s <= iM; s++) {
    const l = lengths[s];
    if (l === 0) continue;
    const c = codes[s];
    if (l > HUF_DECBITS) symbols[offset[l] + (c - first[l])] = s;
    else {
      const start = c * (1 << (HUF_DECBITS - l));
      short.fill((l << 17) | s, start, start + (1 << (HUF_DECBITS - l)));
    }
  }
  return { short, first, count, offset, symbols, limit };
}

/**
 * hufUncompress: decodes `nRaw` 16-bit values from `bytes[offset, offset + length)` into `out`.
 * Throws on any inconsistency (bad table, stream overrun, wrong output count).
 */
export function hufUncompress(bytes: Uint8Array, offset: number, length: number, out: Uint16Array, nRaw: number): void {
  if (nRaw === 0) {
    if (length !== 0) fail('data for an empty block');
    return;
  }
  if (length < 20 || offset + length > bytes.length) fail('truncated header');
  const dv = new DataView(bytes.buffer, bytes.byteOffset + offset, length);
  const im = dv.getUint32(0, true);
  const iM = dv.getUint32(4, true);
  const nBits = dv.getUint32(12, true);
  if (im >= HUF_ENCSIZE || iM >= HUF_ENCSIZE || im > iM) fail(`symbol range ${im}..${iM} invalid`);
  const dataStart = offset + 20;
  const dataEnd = offset + length;
  const tableReader = new BitReader(bytes, dataStart, dataEnd);
  const { lengths, codes } = unpackCodeTable(tableReader, im, iM, (dataEnd - dataStart) * 8);
  const tableBytes = Math.ceil(tableReader.pos / 8);
  const streamStart = dataStart + tableBytes;
  if (nBits > (dataEnd - streamStart) * 8) fail(`bit count ${nBits} exceeds the ${dataEnd - streamStart} data bytes`);
  const table = buildDecodeTable(lengths, codes, im, iM);
  const r = new BitReader(bytes, streamStart, dataEnd);
  const rlc = iM;
  let o = 0;
  while (r.pos < nBits) {
    const prefix = r.peek(HUF_DECBITS);
    const e = table.short[prefix];
    let sym = -1;
    if (e !== -1) {
      const l = e >>> 17;
      if (r.pos + l > nBits) fail('code runs past the end of the stream');
      r.pos += l;
      sym = e & 0x1ffff;
    } else {
      // A long code: extend the prefix one bit at a time; at each length the codes are one interval (O(1) test),
      // so a symbol costs at most 44 steps however many codes share the prefix.
      let code = prefix;
      let pos = r.pos + HUF_DECBITS;
      for (let l = HUF_DECBITS + 1; l <= MAX_CODE_LENGTH && code < table.limit; l++) {
        if (pos >= nBits) break;
        code = code * 2 + ((bytes[streamStart + (pos >> 3)] >> (7 - (pos & 7))) & 1);
        pos++;
        const k = code - table.first[l];
        if (k >= 0 && k < table.count[l]) {
          sym = table.symbols[table.offset[l] + k];
          r.pos = pos;
          break;
        }
      }
      if (sym < 0) fail(`no code matches at bit ${r.pos}`);
    }
    if (sym === rlc) {
      if (r.pos + 8 > nBits) fail('run length runs past the end of the stream');
      const run = r.read(8);
      if (o === 0) fail('run length before any value');
      if (o + run > nRaw) fail('run length overflows the output');
      const v = out[o - 1];
      for (let k = 0; k < run; k++) out[o++] = v;
    } else {
      if (o >= nRaw) fail('more values than expected');
      out[o++] = sym;
    }
  }
  if (o !== nRaw) fail(`decoded ${o} values, expected ${nRaw}`);
}

export { BitReader };
