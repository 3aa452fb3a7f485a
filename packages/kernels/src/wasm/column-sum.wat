;; Column sums of a row-major float32 matrix [rows, cols] (cols a multiple of 4) with WebAssembly SIMD128, on tensors
;; in the tfjs wasm backend's own memory (imported, so nothing is copied): BatchNorm's statistics and the gradient of
;; every per-channel scale or bias are sums over N·H·W rows of C channels. Each column is accumulated in float64
;; (2 lanes per f64x2, 4 columns per 16-byte load), so the sum of a million rows loses nothing to rounding;
;; dst[j] = float32(scale · Σ_i src[i][j]). The float64 accumulators (8 · cols bytes at $acc) stay in L1.
;; Compiled by scripts/build-wasm.mjs into column-sum-wasm.ts (shared memory: the threaded backend) and
;; column-sum-unshared-wasm.ts.
;; build: also an unshared-memory variant
(module
  (import "env" "memory" (memory 1 65536 shared))

  (func (export "column_sum") (param $src i32) (param $rows i32) (param $cols i32) (param $acc i32) (param $dst i32) (param $scale f64)
    (local $j i32) (local $p i32) (local $a i32) (local $aend i32) (local $end i32) (local $x v128) (local $s v128)
    (local.set $aend (i32.add (local.get $acc) (i32.shl (local.get $cols) (i32.const 3))))
    (memory.fill (local.get $acc) (i32.const 0) (i32.shl (local.get $cols) (i32.const 3)))
    (local.set $p (local.get $src))
    (local.set $end (i32.add (local.get $src) (i32.shl (i32.mul (local.get $rows) (local.get $cols)) (i32.const 2))))
    (if (i32.lt_u (local.get $p) (local.get $end))
      (then
        (loop $row
          (local.set $a (local.get $acc))
          (loop $col
            (local.set $x (v128.load (local.get $p)))
            (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (f64x2.promote_low_f32x4 (local.get $x))))
            (v128.store offset=16 (local.get $a)
              (f64x2.add (v128.load offset=16 (local.get $a))
                (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $x) (local.get $x)))))
            (local.set $p (i32.add (local.get $p) (i32.const 16)))
            (local.set $a (i32.add (local.get $a) (i32.const 32)))
            (br_if $col (i32.lt_u (local.get $a) (local.get $aend))))
          (br_if $row (i32.lt_u (local.get $p) (local.get $end))))))
    (local.set $s (f64x2.splat (local.get $scale)))
    (local.set $a (local.get $acc))
    (local.set $j (local.get $dst))
    (loop $out
      (v128.store64_lane 0 (local.get $j)
        (f32x4.demote_f64x2_zero (f64x2.mul (v128.load (local.get $a)) (local.get $s))))
      (v128.store64_lane 0 (i32.add (local.get $j) (i32.const 8))
        (f32x4.demote_f64x2_zero (f64x2.mul (v128.load offset=16 (local.get $a)) (local.get $s))))
      (local.set $a (i32.add (local.get $a) (i32.const 32)))
      (local.set $j (i32.add (local.get $j) (i32.const 16)))
      (br_if $out (i32.lt_u (local.get $a) (local.get $aend)))))
)
