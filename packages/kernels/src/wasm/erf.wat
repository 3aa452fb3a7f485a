;; erf(x) elementwise with WebAssembly SIMD128, on tensors that live in the tfjs wasm backend's own memory (imported,
;; so nothing is copied). The formula is Abramowitz & Stegun 7.1.26 (|error| ≤ 1.5e-7), the one tfjs' cpu backend uses:
;;   erf(x) = sign(x) · (1 − t·(a1 + t·(a2 + t·(a3 + t·(a4 + t·a5)))) · e^(−x²)),  t = 1 / (1 + p·|x|).
;; e^z (z = −x² ≤ 0, clamped at −87 where the term no longer matters) by range reduction: 2^n · e^r with
;; n = round(z / ln 2), r = z − n·ln 2 (ln 2 in two parts, so r is exact to float32), e^r by its degree-6 Taylor
;; polynomial (|r| ≤ ln 2 / 2: relative error < 2e-7), 2^n by building the float's exponent bits.
;; NaN stays NaN, ±Inf gives ±1, −0 gives −0.
;; Compiled by scripts/build-wasm.mjs into erf-wasm.ts (shared memory: the threaded backend) and erf-unshared-wasm.ts.
;; build: also an unshared-memory variant
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; build: inline
  (func $erf4 (param $x v128) (result v128)
    (local $a v128) (local $t v128) (local $z v128) (local $n v128) (local $r v128) (local $e v128) (local $poly v128)
    (local.set $a (f32x4.abs (local.get $x)))
    (local.set $t (f32x4.div (f32x4.splat (f32.const 1))
      (f32x4.add (f32x4.splat (f32.const 1)) (f32x4.mul (f32x4.splat (f32.const 0.3275911)) (local.get $a)))))
    (local.set $poly (f32x4.add (f32x4.splat (f32.const -1.453152027)) (f32x4.mul (local.get $t) (f32x4.splat (f32.const 1.061405429)))))
    (local.set $poly (f32x4.add (f32x4.splat (f32.const 1.421413741)) (f32x4.mul (local.get $t) (local.get $poly))))
    (local.set $poly (f32x4.add (f32x4.splat (f32.const -0.284496736)) (f32x4.mul (local.get $t) (local.get $poly))))
    (local.set $poly (f32x4.add (f32x4.splat (f32.const 0.254829592)) (f32x4.mul (local.get $t) (local.get $poly))))
    (local.set $poly (f32x4.mul (local.get $t) (local.get $poly)))
    ;; z = max(−a², −87) (NaN stays NaN through pmax's operand order: pmax(a, b) = a < b ? b : a)
    (local.set $z (f32x4.pmax (f32x4.neg (f32x4.mul (local.get $a) (local.get $a))) (f32x4.splat (f32.const -87))))
    (local.set $n (f32x4.nearest (f32x4.mul (local.get $z) (f32x4.splat (f32.const 1.44269504)))))
    (local.set $r (f32x4.sub (local.get $z) (f32x4.mul (local.get $n) (f32x4.splat (f32.const 0.693359375)))))
    (local.set $r (f32x4.sub (local.get $r) (f32x4.mul (local.get $n) (f32x4.splat (f32.const -2.12194440e-4)))))
    (local.set $e (f32x4.add (f32x4.splat (f32.const 0.0083333333)) (f32x4.mul (local.get $r) (f32x4.splat (f32.const 0.0013888889)))))
    (local.set $e (f32x4.add (f32x4.splat (f32.const 0.041666667)) (f32x4.mul (local.get $r) (local.get $e))))
    (local.set $e (f32x4.add (f32x4.splat (f32.const 0.16666667)) (f32x4.mul (local.get $r) (local.get $e))))
    (local.set $e (f32x4.add (f32x4.splat (f32.const 0.5)) (f32x4.mul (local.get $r) (local.get $e))))
    (local.set $e (f32x4.add (f32x4.splat (f32.const 1)) (f32x4.mul (local.get $r) (local.get $e))))
    (local.set $e (f32x4.add (f32x4.splat (f32.const 1)) (f32x4.mul (local.get $r) (local.get $e))))
    ;; · 2^n: n + 127 into the exponent field (n ≥ −126 after the clamp, so the scale is a normal float)
    (local.set $e (f32x4.mul (local.get $e)
      (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $n)) (i32x4.splat (i32.const 127))) (i32.const 23))))
    ;; 1 − poly·e with the sign of x
    (v128.or
      (v128.and (f32x4.sub (f32x4.splat (f32.const 1)) (f32x4.mul (local.get $poly) (local.get $e))) (v128.const i32x4 0x7fffffff 0x7fffffff 0x7fffffff 0x7fffffff))
      (v128.and (local.get $x) (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000))))

  ;; dst[i] = erf(src[i]) for i < n (n ≥ 4; src and dst are different tensors). A partial last vector is done as
  ;; the last four elements, overlapping the previous vector.
  (func (export "erf") (param $src i32) (param $dst i32) (param $n i32)
    (local $i i32) (local $end i32)
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (local.set $i (i32.const 0))
    (block $done
      (loop $vectors
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (v128.store (i32.add (local.get $dst) (local.get $i)) (call $erf4 (v128.load (i32.add (local.get $src) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $vectors)))
    (if (i32.and (local.get $n) (i32.const 3))
      (then
        (local.set $i (i32.shl (i32.sub (local.get $n) (i32.const 4)) (i32.const 2)))
        (v128.store (i32.add (local.get $dst) (local.get $i)) (call $erf4 (v128.load (i32.add (local.get $src) (local.get $i))))))))
)
