import { describe, expect, it } from 'vitest';
import { compileWat, inlineMarked } from '../../../scripts/build-wasm.mjs';

/** A leaf returning two values, called twice in a loop, and its inlined twin must give the same results. */
const SOURCE = `(module
  (memory (export "memory") 1)
  ;; build: inline
  (func $sumdiff (param $a i32) (param $b i32) (result i32 i32)
    (local $s i32)
    (local.set $s (i32.add (local.get $a) (local.get $b)))
    (local.get $s)
    (i32.sub (local.get $a) (local.get $b)))
  (func (export "run") (param $n i32) (result i32)
    (local $acc i32) (local $i i32) (local $s i32) (local $d i32)
    (loop $l
      (call $sumdiff (local.get $i) (i32.const 3))
      (local.set $d)
      (local.set $s)
      (local.set $acc (i32.add (local.get $acc) (i32.mul (local.get $s) (local.get $d))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $acc))
)`;

async function run(source: string, n: number): Promise<number> {
  const bytes = await compileWat('test.wat', source);
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes as BufferSource));
  return (instance.exports.run as (n: number) => number)(n);
}

describe('build-time inlining (scripts/build-wasm.mjs)', () => {
  it('replaces each call of a marked function by its body on fresh locals, with the same results', async () => {
    const inlined = inlineMarked(SOURCE);
    expect(inlined).not.toMatch(/call \$sumdiff/);
    expect(inlined).toMatch(/\(local \$inl1_a i32\)/);
    const want = Array.from({ length: 10 }, (_, i) => (i + 3) * (i - 3)).reduce((a, b) => a + b, 0);
    expect(await run(SOURCE.replace(';; build: inline', ''), 10)).toBe(want);
    expect(await run(SOURCE, 10)).toBe(want);
  });

  it('inlines the calls a marked function makes to other marked functions, and refuses a marked self-call', async () => {
    const nested = SOURCE.replace(
      '  (func (export "run")',
      `  ;; build: inline
  (func $sumdiff2 (param $a i32) (param $b i32) (result i32 i32)
    (call $sumdiff (local.get $a) (local.get $b)))
  (func (export "run")`,
    ).replace('(call $sumdiff (local.get $i) (i32.const 3))', '(call $sumdiff2 (local.get $i) (i32.const 3))');
    const inlined = inlineMarked(nested);
    expect(inlined).not.toMatch(/call \$sumdiff/);
    const want = Array.from({ length: 10 }, (_, i) => (i + 3) * (i - 3)).reduce((a, b) => a + b, 0);
    expect(await run(nested, 10)).toBe(want);
    const selfCall = nested.replace('(call $sumdiff (local.get $a) (local.get $b)))', '(call $sumdiff2 (local.get $a) (local.get $b)))');
    expect(() => inlineMarked(selfCall)).toThrow(/calls itself through marked functions/);
  });

  it('leaves unmarked sources alone and refuses what it cannot inline', () => {
    const plain = SOURCE.replace(';; build: inline', '');
    expect(inlineMarked(plain)).toBe(plain);
    expect(() => inlineMarked(SOURCE.replace('(local.set $s (i32.add (local.get $a) (local.get $b)))', ''))).toThrow(/reads local \$s before setting it/);
    expect(() => inlineMarked(SOURCE.replace('(local.get $s)\n', '(return (local.get $s) (i32.const 0))\n'))).toThrow(/branches or returns/);
    expect(() => inlineMarked(SOURCE.replace('(call $sumdiff (local.get $i) (i32.const 3))', '(call $sumdiff (local.get $i))'))).toThrow(
      /takes 2 arguments, a call passes 1/,
    );
  });
});
