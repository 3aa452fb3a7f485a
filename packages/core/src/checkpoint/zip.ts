import { inflateSync } from 'fflate';
import { type ByteReader, checkRange } from './byte-reader.js';
import { crc32 } from './crc32.js';
import { CheckpointError } from './errors.js';

/** One file inside a zip archive, as its central directory describes it. */
export interface ZipEntry {
  readonly name: string;
  /** 0 = stored, 8 = deflated. */
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly crc: number;
  readonly localHeaderOffset: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_SIZE = 22;
const CENTRAL_HEADER_SIZE = 46;
const LOCAL_HEADER_SIZE = 30;
const MAX_COMMENT = 0xffff;
const U32_MAX = 0xffffffff;
const U16_MAX = 0xffff;

function u64(view: DataView, offset: number): number {
  const value = view.getUint32(offset, true) + view.getUint32(offset + 4, true) * 2 ** 32;
  return value;
}

function dataView(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * A zip archive read through a `ByteReader`: the central directory at open, each entry's bytes when
 * asked for. Supports stored and deflated entries and zip64 (PyTorch writes zip64 records for large
 * files). Every size and offset is checked against the file size before anything is allocated.
 */
export class ZipArchive {
  readonly entries: ReadonlyMap<string, ZipEntry>;

  constructor(private readonly reader: ByteReader) {
    this.entries = readCentralDirectory(reader);
  }

  get label(): string {
    return this.reader.label;
  }

  /** The uncompressed bytes of one entry; deflated entries are inflated into a buffer of exactly the declared size. */
  read(name: string): Uint8Array {
    const entry = this.entries.get(name);
    if (!entry) throw new CheckpointError(`${this.label}: the archive has no entry '${name}'`);
    const { label } = this;
    checkRange(label, `local header of '${name}'`, entry.localHeaderOffset, LOCAL_HEADER_SIZE, this.reader.size);
    const local = dataView(this.reader.read(entry.localHeaderOffset, LOCAL_HEADER_SIZE));
    if (local.getUint32(0, true) !== LOCAL_SIGNATURE)
      throw new CheckpointError(`${label}: entry '${name}' has no local header at byte ${entry.localHeaderOffset}`);
    const dataStart = entry.localHeaderOffset + LOCAL_HEADER_SIZE + local.getUint16(26, true) + local.getUint16(28, true);
    checkRange(label, `data of entry '${name}' (${entry.compressedSize} bytes)`, dataStart, entry.compressedSize, this.reader.size);
    const raw = this.reader.read(dataStart, entry.compressedSize);
    let out: Uint8Array;
    if (entry.method === 0) {
      out = raw;
    } else {
      out = new Uint8Array(entry.size);
      let inflated: Uint8Array;
      try {
        inflated = inflateSync(raw, { out });
      } catch (e) {
        throw new CheckpointError(`${label}: entry '${name}' does not inflate (${(e as Error).message})`);
      }
      if (inflated.length !== entry.size || inflated.buffer !== out.buffer) {
        throw new CheckpointError(`${label}: entry '${name}' inflates to ${inflated.length} bytes, not the declared ${entry.size}`);
      }
    }
    const crc = crc32(out);
    if (crc !== entry.crc) throw new CheckpointError(`${label}: entry '${name}' is corrupt (CRC-32 ${hex(crc)}, expected ${hex(entry.crc)})`);
    return out;
  }

  close(): void {
    this.reader.close();
  }
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

/** Whether these leading bytes start a zip archive (a local header, or the end record of an empty one). */
export function looksLikeZip(prefix: Uint8Array): boolean {
  if (prefix.length < 4) return false;
  const sig = dataView(prefix).getUint32(0, true);
  return sig === LOCAL_SIGNATURE || sig === EOCD_SIGNATURE;
}

function findEndRecord(reader: ByteReader): { offset: number; view: DataView } {
  const { size, label } = reader;
  if (size < EOCD_SIZE) throw new CheckpointError(`${label}: ${size} bytes is too short for a zip archive (truncated?)`);
  const tailLength = Math.min(size, EOCD_SIZE + MAX_COMMENT);
  const tail = reader.read(size - tailLength, tailLength);
  const view = dataView(tail);
  for (let i = tailLength - EOCD_SIZE; i >= 0; i--) {
    if (view.getUint32(i, true) === EOCD_SIGNATURE && i + EOCD_SIZE + view.getUint16(i + 20, true) === tailLength) {
      return { offset: size - tailLength + i, view: new DataView(tail.buffer, tail.byteOffset + i, EOCD_SIZE) };
    }
  }
  throw new CheckpointError(`${label}: no zip end-of-central-directory record (the file is truncated or not a zip archive)`);
}

function readCentralDirectory(reader: ByteReader): Map<string, ZipEntry> {
  const { size, label } = reader;
  const end = findEndRecord(reader);
  let count = end.view.getUint16(10, true);
  let cdSize = end.view.getUint32(12, true);
  let cdOffset = end.view.getUint32(16, true);
  if (end.view.getUint16(4, true) !== 0 || end.view.getUint16(6, true) !== 0) throw new CheckpointError(`${label}: multi-disk zip archives are not supported`);
  if (count === U16_MAX || cdSize === U32_MAX || cdOffset === U32_MAX) {
    const locatorOffset = end.offset - 20;
    checkRange(label, 'zip64 locator', locatorOffset, 20, size);
    const locator = dataView(reader.read(locatorOffset, 20));
    if (locator.getUint32(0, true) !== ZIP64_LOCATOR_SIGNATURE) throw new CheckpointError(`${label}: zip64 end record is missing`);
    const zip64Offset = u64(locator, 8);
    checkRange(label, 'zip64 end record', zip64Offset, 56, size);
    const z = dataView(reader.read(zip64Offset, 56));
    if (z.getUint32(0, true) !== ZIP64_EOCD_SIGNATURE) throw new CheckpointError(`${label}: zip64 end record has a bad signature`);
    count = u64(z, 32);
    cdSize = u64(z, 40);
    cdOffset = u64(z, 48);
  }
  checkRange(label, `central directory (${cdSize} bytes)`, cdOffset, cdSize, size);
  if (count * CENTRAL_HEADER_SIZE > cdSize) {
    throw new CheckpointError(`${label}: central directory claims ${count} entries but is only ${cdSize} bytes`);
  }
  const cd = reader.read(cdOffset, cdSize);
  const view = dataView(cd);
  const decoder = new TextDecoder('utf-8', { fatal: false });
  const entries = new Map<string, ZipEntry>();
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + CENTRAL_HEADER_SIZE > cdSize || view.getUint32(p, true) !== CENTRAL_SIGNATURE) {
      throw new CheckpointError(`${label}: central directory entry ${i} is malformed`);
    }
    const flags = view.getUint16(p + 8, true);
    const method = view.getUint16(p + 10, true);
    const crc = view.getUint32(p + 16, true);
    let compressedSize = view.getUint32(p + 20, true);
    let uncompressedSize = view.getUint32(p + 24, true);
    const nameLength = view.getUint16(p + 28, true);
    const extraLength = view.getUint16(p + 30, true);
    const commentLength = view.getUint16(p + 32, true);
    let localHeaderOffset = view.getUint32(p + 42, true);
    const recordEnd = p + CENTRAL_HEADER_SIZE + nameLength + extraLength + commentLength;
    if (recordEnd > cdSize) throw new CheckpointError(`${label}: central directory entry ${i} runs past the directory`);
    const name = decoder.decode(cd.subarray(p + CENTRAL_HEADER_SIZE, p + CENTRAL_HEADER_SIZE + nameLength));
    // zip64 extended information: the 64-bit values of whichever fields hold 0xFFFFFFFF, in this order.
    let q = p + CENTRAL_HEADER_SIZE + nameLength;
    const extraEnd = q + extraLength;
    while (q + 4 <= extraEnd) {
      const id = view.getUint16(q, true);
      const len = view.getUint16(q + 2, true);
      if (q + 4 + len > extraEnd) throw new CheckpointError(`${label}: entry '${name}' has a malformed extra field`);
      if (id === 0x0001) {
        let r = q + 4;
        const take = () => {
          if (r + 8 > q + 4 + len) throw new CheckpointError(`${label}: entry '${name}' has a short zip64 field`);
          const v = u64(view, r);
          r += 8;
          return v;
        };
        if (uncompressedSize === U32_MAX) uncompressedSize = take();
        if (compressedSize === U32_MAX) compressedSize = take();
        if (localHeaderOffset === U32_MAX) localHeaderOffset = take();
      }
      q += 4 + len;
    }
    if (flags & 1) throw new CheckpointError(`${label}: entry '${name}' is encrypted`);
    if (method !== 0 && method !== 8)
      throw new CheckpointError(`${label}: entry '${name}' uses compression method ${method} (only stored and deflated are supported)`);
    if (!Number.isSafeInteger(compressedSize) || !Number.isSafeInteger(uncompressedSize))
      throw new CheckpointError(`${label}: entry '${name}' has an impossible size`);
    if (method === 0 && compressedSize !== uncompressedSize) {
      throw new CheckpointError(`${label}: stored entry '${name}' declares ${compressedSize} stored bytes but ${uncompressedSize} uncompressed`);
    }
    checkRange(label, `entry '${name}' (${compressedSize} bytes)`, localHeaderOffset, LOCAL_HEADER_SIZE + nameLength + compressedSize, size);
    // Deflate cannot expand data by more than ~1032:1; a larger claim is a bomb or a lie.
    if (method === 8 && uncompressedSize > compressedSize * 1032 + 1024) {
      throw new CheckpointError(`${label}: entry '${name}' claims ${uncompressedSize} bytes from ${compressedSize} compressed bytes`);
    }
    if (entries.has(name)) throw new CheckpointError(`${label}: the archive holds '${name}' twice`);
    entries.set(name, { name, method, compressedSize, size: uncompressedSize, crc, localHeaderOffset });
    p = recordEnd;
  }
  return entries;
}
