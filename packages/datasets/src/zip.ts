import { inflateSync } from 'fflate';
import { ByteReader } from './byte-reader.js';
import { crc32 } from './checksums.js';
import { DecodeError } from './errors.js';

/**
 * A minimal zip reader (stored and deflated members, as numpy's .npz writes them) that inflates within a byte budget
 * and checks every member's size and CRC-32: a member may not inflate beyond the size its header declares, the sum of
 * the declared sizes must fit `maxBytes` before anything is inflated, and a corrupt member is an error, not garbage.
 */
export function readZip(bytes: Uint8Array, format: string, maxBytes: number): Map<string, Uint8Array> {
  const r = new ByteReader(bytes, format);
  // End of central directory: 22 bytes + a comment of up to 65535 bytes at the end of the file.
  let eocd = -1;
  for (let p = bytes.length - 22; p >= 0 && p >= bytes.length - 22 - 65535; p--) {
    if (bytes[p] === 0x50 && bytes[p + 1] === 0x4b && bytes[p + 2] === 5 && bytes[p + 3] === 6) {
      eocd = p;
      break;
    }
  }
  if (eocd < 0) throw new DecodeError(format, 'not a zip archive (no end-of-central-directory record)');
  r.seek(eocd + 10, 'end of central directory');
  const count = r.u16le('member count');
  r.skip(4, 'central directory size');
  const cdStart = r.u32le('central directory offset');
  if (count === 0xffff || cdStart === 0xffffffff) throw new DecodeError(format, 'zip64 archives are not supported');
  r.seek(cdStart, 'central directory');
  interface Member {
    name: string;
    method: number;
    crc: number;
    csize: number;
    usize: number;
    local: number;
  }
  const members: Member[] = [];
  let total = 0;
  for (let i = 0; i < count; i++) {
    if (r.u32le('central directory entry') !== 0x02014b50) throw new DecodeError(format, `central directory entry ${i} has a bad signature`);
    r.skip(4, 'central directory entry');
    const flags = r.u16le('flags');
    const method = r.u16le('compression method');
    r.skip(4, 'modification time');
    const crc = r.u32le('CRC-32');
    const csize = r.u32le('compressed size');
    const usize = r.u32le('uncompressed size');
    const nameLen = r.u16le('name length');
    const extraLen = r.u16le('extra length');
    const commentLen = r.u16le('comment length');
    r.skip(8, 'central directory entry');
    const local = r.u32le('local header offset');
    const name = new TextDecoder().decode(r.take(nameLen, 'member name'));
    r.skip(extraLen + commentLen, 'member extra fields');
    if (flags & 1) throw new DecodeError(format, `member '${name}' is encrypted`);
    if (method !== 0 && method !== 8) throw new DecodeError(format, `member '${name}' uses compression method ${method} (stored and deflate are supported)`);
    if (usize === 0xffffffff || csize === 0xffffffff) throw new DecodeError(format, 'zip64 archives are not supported');
    total += usize;
    if (total > maxBytes) {
      throw new DecodeError(format, `member '${name}' inflates to ${usize} bytes, above the ${maxBytes}-byte budget (raise maxBytes)`);
    }
    members.push({ name, method, crc, csize, usize, local });
  }
  const out = new Map<string, Uint8Array>();
  for (const m of members) {
    r.seek(m.local, `member '${m.name}' local header`);
    if (r.u32le('local header') !== 0x04034b50) throw new DecodeError(format, `member '${m.name}' has a bad local header signature`);
    r.skip(22, 'local header');
    const nameLen = r.u16le('local name length');
    const extraLen = r.u16le('local extra length');
    r.skip(nameLen + extraLen, 'local header name');
    const body = r.take(m.csize, `member '${m.name}' data`);
    let data: Uint8Array;
    if (m.method === 0) {
      if (m.csize !== m.usize) throw new DecodeError(format, `stored member '${m.name}' has ${m.csize} bytes but declares ${m.usize}`);
      data = body;
    } else {
      // One byte of room beyond the declared size: a stream that fills it is longer than declared.
      const buf = new Uint8Array(m.usize + 1);
      try {
        data = inflateSync(body, { out: buf });
      } catch (e) {
        if (e instanceof RangeError) throw new DecodeError(format, `member '${m.name}' inflates beyond its declared ${m.usize} bytes`);
        throw new DecodeError(format, `member '${m.name}' is corrupt (${(e as Error).message})`);
      }
      if (data.length > m.usize) throw new DecodeError(format, `member '${m.name}' inflates beyond its declared ${m.usize} bytes`);
      if (data.length < m.usize) throw new DecodeError(format, `member '${m.name}' inflates to ${data.length} bytes, its header declares ${m.usize}`);
    }
    if (crc32(data) !== m.crc) throw new DecodeError(format, `member '${m.name}' fails its CRC-32 check (corrupt archive)`);
    if (out.has(m.name)) throw new DecodeError(format, `member '${m.name}' appears twice`);
    out.set(m.name, data);
  }
  return out;
}
