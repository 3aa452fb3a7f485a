import { DecodeError } from './errors.js';

/**
 * A cursor over bytes for the length and offset fields of binary formats: every read checks that the bytes are
 * there first and fails with a `DecodeError` naming the format, the field and the offset, never a RangeError or a
 * silent read past the end.
 */
export class ByteReader {
  readonly view: DataView;
  pos: number;
  readonly end: number;

  constructor(
    readonly bytes: Uint8Array,
    readonly format: string,
    start = 0,
    end = bytes.length,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = start;
    this.end = Math.min(end, bytes.length);
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  /** Throws unless `n` more bytes are available for `field`. */
  need(n: number, field: string): void {
    if (!(n >= 0) || n > this.end - this.pos) {
      throw new DecodeError(this.format, `truncated ${field}: needs ${n} bytes at offset ${this.pos}, ${Math.max(0, this.end - this.pos)} left`);
    }
  }

  /** Moves to absolute offset `at` (at most the end). */
  seek(at: number, field: string): this {
    if (!Number.isSafeInteger(at) || at < 0 || at > this.end) throw new DecodeError(this.format, `${field} offset ${at} is outside the ${this.end}-byte data`);
    this.pos = at;
    return this;
  }

  skip(n: number, field: string): void {
    this.need(n, field);
    this.pos += n;
  }

  u8(field: string): number {
    this.need(1, field);
    return this.bytes[this.pos++];
  }

  /** Reads one `size`-byte number at the cursor with `get` and advances past it. */
  private number(size: number, field: string, get: (view: DataView, at: number) => number): number {
    this.need(size, field);
    const v = get(this.view, this.pos);
    this.pos += size;
    return v;
  }

  u16le(field: string): number {
    return this.number(2, field, (v, at) => v.getUint16(at, true));
  }

  u16be(field: string): number {
    return this.number(2, field, (v, at) => v.getUint16(at, false));
  }

  u32le(field: string): number {
    return this.number(4, field, (v, at) => v.getUint32(at, true));
  }

  u32be(field: string): number {
    return this.number(4, field, (v, at) => v.getUint32(at, false));
  }

  i32le(field: string): number {
    return this.number(4, field, (v, at) => v.getInt32(at, true));
  }

  /** A little-endian u64 as a number; values above 2^53 are refused (no file here is that large). */
  u64le(field: string): number {
    this.need(8, field);
    const lo = this.view.getUint32(this.pos, true);
    const hi = this.view.getUint32(this.pos + 4, true);
    if (hi >= 1 << 21) throw new DecodeError(this.format, `${field} at offset ${this.pos} is too large (${hi * 2 ** 32 + lo})`);
    this.pos += 8;
    return hi * 2 ** 32 + lo;
  }

  /** The next `n` bytes (a view, not a copy). */
  take(n: number, field: string): Uint8Array {
    this.need(n, field);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** A NUL-terminated Latin-1 string of at most `max` bytes. */
  cstring(field: string, max: number): string {
    let p = this.pos;
    const stop = Math.min(this.end, this.pos + max + 1);
    while (p < stop && this.bytes[p] !== 0) p++;
    if (p >= stop) {
      if (p >= this.end) throw new DecodeError(this.format, `truncated ${field} at offset ${this.pos}`);
      throw new DecodeError(this.format, `${field} at offset ${this.pos} is longer than ${max} bytes`);
    }
    const s = String.fromCharCode(...this.bytes.subarray(this.pos, p));
    this.pos = p + 1;
    return s;
  }
}
