import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fixturePath } from '@anydepth/test-utils';
import { describe, expect, it } from 'vitest';
import { CheckpointError, type HostTensor, openCheckpointBytes } from '../src/index.js';
import { TorchCheckpoint, ZipArchive, bytesReader } from '../src/internal.js';
import { openCheckpoint } from '../src/node.js';
import {
  BINPERSID,
  EMPTY_TUPLE,
  NEWFALSE,
  PROTO2,
  type Piece,
  REDUCE,
  SETITEM,
  STOP,
  binint,
  global,
  pickle,
  stateDictPickle,
  torchZip,
  tuple,
  unicode,
} from './torch-pickle-builder.js';

const own = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const f32 = (values: number[]) => Uint8Array.from(new Uint8Array(Float32Array.from(values).buffer));
const values = (t: HostTensor | undefined) => Array.from(t!.data as ArrayLike<number>, Number);
const open = (bytes: Uint8Array, label = 'test.pth') => openCheckpointBytes(bytes, { label });

function bytesOf(t: HostTensor): Uint8Array {
  const d = t.data as unknown as { buffer: ArrayBuffer; byteOffset: number; byteLength: number };
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

describe('torch zip checkpoints: official fixtures', () => {
  for (const stem of ['anydepth_official_tiny', 'dav2_tiny']) {
    it(`${stem}.pth gives exactly the tensors of ${stem}.safetensors (file handle and bytes)`, async () => {
      const pth = await openCheckpoint(fixturePath(`${stem}.pth`));
      const fromBytes = openCheckpointBytes(readFileSync(fixturePath(`${stem}.pth`)), { label: `${stem}.pth` });
      const st = await openCheckpoint(fixturePath(`${stem}.safetensors`));
      try {
        expect(pth.format).toBe('torch-zip');
        expect(st.format).toBe('safetensors');
        const weights = st.keys().filter((k) => !/^(input|output|debug)\./.test(k));
        // same names; the .pth keeps state_dict order (the safetensors twin puts 8-byte dtypes first)
        expect([...pth.keys()].sort()).toEqual([...weights].sort());
        expect(fromBytes.keys()).toEqual(pth.keys());
        expect(pth.keys()[0]).toBe(stem === 'dav2_tiny' ? 'pretrained.cls_token' : '0.encoder.backbone.cls_token');
        let int64 = 0;
        for (const key of weights) {
          const a = pth.get(key)!;
          const b = st.get(key)!;
          expect(a.dtype, key).toBe(b.dtype);
          expect(pth.dtypeOf(key)).toBe(b.dtype);
          expect(a.shape, key).toEqual(b.shape);
          expect(pth.shapeOf(key)).toEqual([...b.shape]);
          expect(Buffer.compare(bytesOf(a), bytesOf(b)), key).toBe(0);
          expect(Buffer.compare(bytesOf(fromBytes.get(key)!), bytesOf(b)), key).toBe(0);
          if (a.dtype === 'I64') {
            int64++;
            expect(a.data).toBeInstanceOf(BigInt64Array);
            expect(a.data[0]).toBe(1000n);
          }
        }
        expect(int64).toBe(stem === 'anydepth_official_tiny' ? 7 : 0);
        expect(weights.length).toBe(stem === 'anydepth_official_tiny' ? 147 : 127);
        expect((pth as TorchCheckpoint).folder).toBe(`${stem}/`);
      } finally {
        pth.close();
        st.close();
      }
    });
  }
});

describe('torch zip checkpoints: our generated files (make-torch-checkpoints.py)', () => {
  it('reads every storage dtype torch writes, exactly', async () => {
    const ckpt = await openCheckpoint(own('dtypes.pth'));
    const floats = Array.from({ length: 12 }, (_, i) => (i - 5) * 0.25);
    const ints = Array.from({ length: 12 }, (_, i) => i - 5);
    const expected: Record<string, [string, number[], number[] | bigint[]]> = {
      f32: ['F32', [3, 4], floats],
      f64: ['F64', [3, 4], floats],
      f16: ['F16', [3, 4], floats],
      bf16: ['BF16', [3, 4], floats],
      i64: ['I64', [12], ints.map((i) => BigInt(i) * 2n ** 40n + 7n)],
      i32: ['I32', [12], ints.map((i) => i * 100000)],
      i16: ['I16', [12], ints.map((i) => i * 1000)],
      i8: ['I8', [12], ints.map((i) => i * 10)],
      u8: ['U8', [12], ints.map((_, i) => i * 20)],
      bool: ['BOOL', [12], ints.map((_, i) => (i % 3 === 0 ? 1 : 0))],
      scalar_i64: ['I64', [], [1000n]],
      param: ['F32', [2, 2], [0.5, 0.5, 0.5, 0.5]],
      empty: ['F32', [0, 3], []],
    };
    expect(ckpt.keys()).toEqual(Object.keys(expected));
    for (const [key, [dtype, shape, data]] of Object.entries(expected)) {
      const t = ckpt.get(key)!;
      expect([t.dtype, t.shape], key).toEqual([dtype, shape]);
      expect(Array.from(t.data as ArrayLike<number | bigint>), key).toEqual(data);
    }
    ckpt.close();
  });

  const base = (r: number, c: number) => 6 * r + c;
  const viewCases: Record<string, { shape: number[]; value: (i: number, j: number) => number; offset: number; stride: number[] }> = {
    base: { shape: [4, 6], value: base, offset: 0, stride: [6, 1] },
    transposed: { shape: [6, 4], value: (i, j) => base(j, i), offset: 0, stride: [1, 6] },
    slice: { shape: [2, 3], value: (i, j) => base(1 + i, 2 + j), offset: 8, stride: [6, 1] },
    column: { shape: [4], value: (i) => base(i, 3), offset: 3, stride: [6] },
    strided: { shape: [2, 2], value: (i, j) => base(2 * i, 3 * j), offset: 0, stride: [12, 3] },
    expanded: { shape: [3, 4], value: (i) => i, offset: 0, stride: [1, 0] },
  };

  for (const file of ['views.pth', 'views_deflated.pth']) {
    it(`materialises views with storage offsets and strides (${file})`, async () => {
      const ckpt = (await openCheckpoint(own(file))) as TorchCheckpoint;
      for (const [key, c] of Object.entries(viewCases)) {
        const t = ckpt.get(key)!;
        expect(t.shape, key).toEqual(c.shape);
        const want: number[] = [];
        if (c.shape.length === 1) for (let i = 0; i < c.shape[0]; i++) want.push(c.value(i, 0));
        else for (let i = 0; i < c.shape[0]; i++) for (let j = 0; j < c.shape[1]; j++) want.push(c.value(i, j));
        expect(values(t), key).toEqual(want);
        const view = ckpt.viewOf(key)!;
        expect([view.offset, view.stride], key).toEqual([c.offset, c.stride]);
      }
      // the five views of `base` share one storage record, as torch.save keeps them
      expect(new Set(['base', 'transposed', 'slice', 'column', 'strided'].map((k) => ckpt.viewOf(k)!.storage)).size).toBe(1);
      ckpt.close();
    });
  }

  it('inflates deflated records (and the archive really holds them deflated)', () => {
    const zip = new ZipArchive(bytesReader(readFileSync(own('views_deflated.pth')), 'views_deflated.pth'));
    expect([...zip.entries.values()].map((e) => e.method)).toEqual([8, 8, 8, 8]);
    expect([...zip.entries.values()].every((e) => e.compressedSize !== e.size)).toBe(true);
    const stored = new ZipArchive(bytesReader(readFileSync(own('views.pth')), 'views.pth'));
    expect(zip.read('views/data/0')).toEqual(stored.read('views/data/0'));
  });

  it('flattens a wrapped training checkpoint saved with pickle protocol 4', async () => {
    const ckpt = await openCheckpoint(own('wrapped_protocol4.pth'));
    expect(ckpt.keys()).toEqual([
      'model.0.weight',
      'model.0.bias',
      'model.1.weight',
      'model.1.bias',
      'model.1.running_mean',
      'model.1.running_var',
      'model.1.num_batches_tracked',
    ]);
    expect(ckpt.metadata).toEqual({ epoch: '3', name: 'tiny' });
    expect(ckpt.get('model.1.num_batches_tracked')).toEqual({ dtype: 'I64', shape: [], data: new BigInt64Array([0n]) });
    expect(values(ckpt.get('model.1.running_var'))).toEqual([1, 1, 1]);
    ckpt.close();
  });
});

describe('torch zip checkpoints: refusals', () => {
  const marker = '/tmp/anydepth-checkpoint-test-must-not-exist';

  it('refuses a pickle that names os.system before anything runs', () => {
    const evil = pickle(PROTO2, global('os', 'system'), tuple(unicode(`touch ${marker}`)), REDUCE, STOP);
    expect(() => open(torchZip('evil', evil), 'evil.pth')).toThrow(
      new CheckpointError(
        "evil.pth (data.pkl): refusing to load: the pickle references the global 'os.system', which a weights-only checkpoint may not contain (nothing was executed)",
      ),
    );
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses a disallowed global hidden in a state dict via STACK_GLOBAL (protocol 4)', () => {
    // {'w': builtins.eval('1')}: SHORT_BINUNICODE module, name, STACK_GLOBAL
    const short = (s: string) => [0x8c, s.length, ...new TextEncoder().encode(s)];
    const evil = pickle([0x80, 4], [0x7d], short('w'), short('builtins'), short('eval'), [0x93], tuple(short('1')), REDUCE, [0x73], STOP);
    expect(() => open(torchZip('evil', evil), 'evil.pth')).toThrow(/refusing to load: the pickle references the global 'builtins\.eval'/);
  });

  it('refuses allowed globals used as something else, and opcodes plain data never needs', () => {
    const buildOnList = pickle(PROTO2, [0x5d], [0x7d], [0x62], STOP); // BUILD on a list
    expect(() => open(torchZip('x', buildOnList))).toThrow('test.pth (data.pkl): BUILD on something other than an OrderedDict');
    const inst = pickle(PROTO2, [0x69], ...[new TextEncoder().encode('os\nsystem\n')], STOP); // INST (protocol 0)
    expect(() => open(torchZip('x', inst))).toThrow('test.pth (data.pkl): unsupported pickle opcode 0x69 at offset 2');
    const sparse = pickle(PROTO2, global('torch._utils', '_rebuild_sparse_tensor'), EMPTY_TUPLE, REDUCE, STOP);
    expect(() => open(torchZip('x', sparse))).toThrow(
      "the checkpoint calls 'torch._utils._rebuild_sparse_tensor', which torch allows in weights-only files but this reader does not support",
    );
  });

  it('refuses bad storage keys', () => {
    const storage = f32([1, 2, 3]);
    const escape = stateDictPickle('w', { key: '../../secret', numel: 3, size: [3], stride: [1] });
    expect(() => open(torchZip('ck', escape, { 0: storage }))).toThrow('test.pth (data.pkl): bad storage key "../../secret"');
    const missing = stateDictPickle('w', { key: '7', numel: 3, size: [3], stride: [1] });
    expect(() => open(torchZip('ck', missing, { 0: storage }))).toThrow("test.pth: storage '7' has no record 'ck/data/7' in the archive");
    const good = stateDictPickle('w', { key: '0', numel: 3, size: [3], stride: [1] });
    expect(values(open(torchZip('any_folder-name', good, { 0: storage })).get('w'))).toEqual([1, 2, 3]);
  });

  it('takes a _rebuild_tensor_v3 dtype only from the torch dtypes it knows (not from Object property names)', () => {
    const v3 = (dtype: Piece) =>
      pickle(
        PROTO2,
        global('collections', 'OrderedDict'),
        EMPTY_TUPLE,
        REDUCE,
        unicode('w'),
        global('torch._utils', '_rebuild_tensor_v3'),
        tuple(
          tuple(unicode('storage'), global('torch', 'UntypedStorage'), unicode('0'), unicode('cpu'), binint(12)),
          BINPERSID,
          binint(0),
          tuple(binint(3)),
          tuple(binint(1)),
          NEWFALSE,
          global('collections', 'OrderedDict'),
          EMPTY_TUPLE,
          REDUCE,
          dtype,
        ),
        REDUCE,
        SETITEM,
        STOP,
      );
    expect(values(open(torchZip('ck', v3(global('torch', 'float32')), { 0: f32([1, 2, 3]) })).get('w'))).toEqual([1, 2, 3]);
    for (const name of ['constructor', '__proto__', 'toString']) {
      const ckpt = () => open(torchZip('ck', v3(unicode(name)), { 0: f32([1, 2, 3]) })).get('w');
      expect(ckpt).toThrow(CheckpointError);
      expect(ckpt).toThrow(/has no equivalent here/);
    }
  });

  it('refuses views that leave their storage, and storages whose size disagrees with the pickle', () => {
    const outside = stateDictPickle('w', { key: '0', numel: 3, offset: 1, size: [3], stride: [1] });
    const ckpt = open(torchZip('ck', outside, { 0: f32([1, 2, 3]) }));
    expect(() => ckpt.get('w')).toThrow("test.pth: tensor 'w': view (offset 1, size [3], stride [1]) reaches element 3 of a storage of 3 elements");
    const huge = stateDictPickle('w', { key: '0', numel: 536870912, size: [536870912], stride: [1] });
    expect(() => open(torchZip('ck', huge, { 0: f32([1, 2, 3]) }))).toThrow(
      "test.pth: storage '0' (torch.FloatStorage) declares 536870912 elements (2147483648 bytes) but its record holds 12 bytes",
    );
  });

  it('refuses a record that claims 2 GB in a small file', () => {
    const bytes = new Uint8Array(readFileSync(own('views.pth')));
    const zip = new ZipArchive(bytesReader(bytes, 'views.pth'));
    const entry = zip.entries.get('views/data/0')!;
    // patch the central directory: both sizes of views/data/0 become 2 GiB
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let patched = 0;
    for (let p = 0; p + 46 <= bytes.length; p++) {
      if (view.getUint32(p, true) === 0x02014b50 && view.getUint32(p + 42, true) === entry.localHeaderOffset) {
        view.setUint32(p + 20, 2 ** 31, true);
        view.setUint32(p + 24, 2 ** 31, true);
        patched++;
      }
    }
    expect(patched).toBe(1);
    expect(() => open(bytes, 'views.pth')).toThrow(
      `views.pth: entry 'views/data/0' (2147483648 bytes) (bytes ${entry.localHeaderOffset}..${entry.localHeaderOffset + 30 + 'views/data/0'.length + 2 ** 31}) lies outside the file (${bytes.length} bytes)`,
    );
  });

  it('refuses a pickle string that claims more bytes than remain', () => {
    const lying = pickle(PROTO2, [0x58, 0, 0, 0, 0x80], STOP);
    expect(() => open(torchZip('ck', lying))).toThrow(
      'test.pth (data.pkl): BINUNICODE string of 2147483648 bytes at offset 7 runs past the end of the pickle (1 bytes left)',
    );
  });

  it('refuses truncated archives with a CheckpointError at every length', () => {
    const bytes = readFileSync(own('views.pth'));
    expect(() => open(bytes.subarray(0, bytes.length - 10), 'views.pth')).toThrow(
      'views.pth: no zip end-of-central-directory record (the file is truncated or not a zip archive)',
    );
    for (let n = 4; n < bytes.length; n += 7) {
      let error: unknown;
      try {
        const ck = open(bytes.subarray(0, n), 'views.pth');
        for (const k of ck.keys()) ck.get(k);
      } catch (e) {
        error = e;
      }
      expect(error, `truncated to ${n} bytes`).toBeInstanceOf(CheckpointError);
    }
  });

  it('detects a corrupt record by its CRC-32', () => {
    const bytes = new Uint8Array(readFileSync(own('views.pth')));
    const zip = new ZipArchive(bytesReader(bytes, 'views.pth'));
    const entry = zip.entries.get('views/data/1')!;
    const local = new DataView(bytes.buffer, entry.localHeaderOffset);
    const dataStart = entry.localHeaderOffset + 30 + local.getUint16(26, true) + local.getUint16(28, true);
    bytes[dataStart] ^= 0xff;
    const ckpt = open(bytes, 'views.pth');
    expect(() => ckpt.get('expanded')).toThrow(/^views\.pth: entry 'views\/data\/1' is corrupt \(CRC-32 0x[0-9a-f]{8}, expected 0x[0-9a-f]{8}\)$/);
  });

  it('detects the format from the bytes, not the name', async () => {
    const st = readFileSync(fixturePath('sdt_head.safetensors'));
    expect(open(st, 'weights.pth').format).toBe('safetensors');
    expect(() => open(new TextEncoder().encode('hello world, not a checkpoint'), 'x.safetensors')).toThrow(
      'x.safetensors: not a checkpoint this library reads (expected safetensors, a *.index.json of shards, a PyTorch zip .pth/.pt/.bin/.ckpt, or an ONNX model)',
    );
    expect(() => open(pickle(PROTO2, binint(1), STOP), 'old.pt')).toThrow(/^old\.pt: this is PyTorch's pre-1\.6 \(non-zip\) checkpoint format/);
    await expect(openCheckpoint('/nonexistent/dir/model.pth')).rejects.toThrow('no such file or folder: /nonexistent/dir/model.pth');
  });
});
