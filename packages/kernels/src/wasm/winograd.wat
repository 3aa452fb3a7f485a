;; Winograd F(4×4, 3×3) convolution (Lavin & Gray 2016; points 0, ±1, ±2, ∞) for stride-1 3×3 convs, NHWC float32,
;; with WebAssembly SIMD128. The work is split into blocks of TB output tiles (4×4 pixels each); one block is
;;   1. input transform: the 6×6 input patch of each tile (zero padding outside the image) → V = Bᵀ d B,
;;      stored as V[36][TB][Cin] (one [TB, Cin] matrix per Winograd position, 4 channels per f32x4);
;;   2. 36 GEMMs M[p] = V[p] · U[p] ([TB, Cin] × [Cin, Cout]) with a 4 × 8 register-blocked micro-kernel
;;      (f32x4 mul + add here; fused multiply-adds in the FMA variant);
;;   3. output transform Y = Aᵀ m A per tile, + bias, optional ReLU, written into the NHWC output (pixels of a
;;      partial tile outside the image go to a sink row).
;; U = G g Gᵀ (the filter transform, [36][Cout / 8][Cin][8]: 8-column panels) is computed once per weight tensor by
;; the JavaScript loader.
;; The memory is imported and shared, so worker threads run `run` on the same job: each takes the next block
;; from an atomic counter in the job record and uses its own scratch area.
;; Compiled by scripts/build-wasm.mjs into winograd-wasm.ts (base64); the tests check the two stay in sync.
;; build: also an FMA variant — winograd-fma-wasm.ts, each accumulate-multiply as f32x4.relaxed_madd (one rounding,
;; and one instruction instead of two where the CPU has FMA), loaded where the engine has relaxed SIMD.
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; Job record (i32 fields, byte offsets), written by the loader:
  ;;   0 x      4 u      8 bias    12 out   16 H      20 W      24 cin   28 cout
  ;;  32 padT  36 padL  40 OH     44 OW     48 tilesH 52 tilesW 56 ntiles (all images) 60 relu
  ;;  64 zero (cin zero floats)    68 sink (cout floats nobody reads)   72 TB (multiple of 4)
  ;;  76 next block (atomic)       80 nblocks   84 kind: 0 this convolution, 1 and 2 the filter gradient (below)
  ;; Scratch (per thread): V [36][TB][cin], M [36][TB][cout], a 36-v128 temporary, a 36-i32 address table.

  ;; Bᵀ applied to 6 vectors: the rows of Bᵀ are
  ;; [4 0 -5 0 1 0] [0 -4 -4 1 1 0] [0 4 -4 -1 1 0] [0 -2 -1 2 1 0] [0 2 -1 -2 1 0] [0 4 0 -5 0 1].
  ;; build: inline
  (func $bt (param $d0 v128) (param $d1 v128) (param $d2 v128) (param $d3 v128) (param $d4 v128) (param $d5 v128)
    (result v128 v128 v128 v128 v128 v128)
    (local $four v128) (local $five v128) (local $t0 v128) (local $a v128) (local $t1 v128) (local $b v128)
    (local.set $four (f32x4.splat (f32.const 4)))
    (local.set $five (f32x4.splat (f32.const 5)))
    ;; t0 = d4 - 4 d2, a = 4 d1 - d3, t1 = d4 - d2, b = 2 (d1 - d3)
    (local.set $t0 (f32x4.sub (local.get $d4) (f32x4.mul (local.get $four) (local.get $d2))))
    (local.set $a (f32x4.sub (f32x4.mul (local.get $four) (local.get $d1)) (local.get $d3)))
    (local.set $t1 (f32x4.sub (local.get $d4) (local.get $d2)))
    (local.set $b (f32x4.sub (local.get $d1) (local.get $d3)))
    (local.set $b (f32x4.add (local.get $b) (local.get $b)))
    (f32x4.add (f32x4.sub (f32x4.mul (local.get $four) (local.get $d0)) (f32x4.mul (local.get $five) (local.get $d2))) (local.get $d4))
    (f32x4.sub (local.get $t0) (local.get $a))
    (f32x4.add (local.get $t0) (local.get $a))
    (f32x4.sub (local.get $t1) (local.get $b))
    (f32x4.add (local.get $t1) (local.get $b))
    (f32x4.add (f32x4.sub (f32x4.mul (local.get $four) (local.get $d1)) (f32x4.mul (local.get $five) (local.get $d3))) (local.get $d5)))

  ;; Aᵀ applied to 6 vectors: rows [1 1 1 1 1 0] [0 1 -1 2 -2 0] [0 1 1 4 4 0] [0 1 -1 8 -8 1].
  ;; build: inline
  (func $at (param $m0 v128) (param $m1 v128) (param $m2 v128) (param $m3 v128) (param $m4 v128) (param $m5 v128)
    (result v128 v128 v128 v128)
    (local $s12 v128) (local $d12 v128) (local $s34 v128) (local $d34 v128)
    (local.set $s12 (f32x4.add (local.get $m1) (local.get $m2)))
    (local.set $d12 (f32x4.sub (local.get $m1) (local.get $m2)))
    (local.set $s34 (f32x4.add (local.get $m3) (local.get $m4)))
    (local.set $d34 (f32x4.sub (local.get $m3) (local.get $m4)))
    (f32x4.add (f32x4.add (local.get $m0) (local.get $s12)) (local.get $s34))
    (f32x4.add (local.get $d12) (f32x4.mul (f32x4.splat (f32.const 2)) (local.get $d34)))
    (f32x4.add (local.get $s12) (f32x4.mul (f32x4.splat (f32.const 4)) (local.get $s34)))
    (f32x4.add (f32x4.add (local.get $d12) (f32x4.mul (f32x4.splat (f32.const 8)) (local.get $d34))) (local.get $m5)))

  ;; A (= (Aᵀ)ᵀ) applied to 4 vectors, the adjoint of $at: z_k = Σ_a Aᵀ[a][k] y_a.
  ;; build: inline
  (func $a6 (param $y0 v128) (param $y1 v128) (param $y2 v128) (param $y3 v128)
    (result v128 v128 v128 v128 v128 v128)
    (local $e v128) (local $o v128) (local $e2 v128) (local $o2 v128)
    (local.set $e (f32x4.add (local.get $y0) (local.get $y2)))
    (local.set $o (f32x4.add (local.get $y1) (local.get $y3)))
    (local.set $e2 (f32x4.add (local.get $y0) (f32x4.mul (f32x4.splat (f32.const 4)) (local.get $y2))))
    (local.set $o2 (f32x4.add (f32x4.mul (f32x4.splat (f32.const 2)) (local.get $y1)) (f32x4.mul (f32x4.splat (f32.const 8)) (local.get $y3))))
    (local.get $y0)
    (f32x4.add (local.get $e) (local.get $o))
    (f32x4.sub (local.get $e) (local.get $o))
    (f32x4.add (local.get $e2) (local.get $o2))
    (f32x4.sub (local.get $e2) (local.get $o2))
    (local.get $y3))

  ;; Gᵀ applied to 6 vectors (the adjoint of the filter transform's G): r_k = Σ_i G[i][k] u_i, G's rows
  ;; [1/4 0 0] [-1/6 -1/6 -1/6] [-1/6 1/6 -1/6] [1/24 1/12 1/6] [1/24 -1/12 1/6] [0 0 1].
  ;; build: inline
  (func $gt (param $u0 v128) (param $u1 v128) (param $u2 v128) (param $u3 v128) (param $u4 v128) (param $u5 v128)
    (result v128 v128 v128)
    (local $s12 v128) (local $d12 v128) (local $s34 v128) (local $d34 v128) (local $sixth v128)
    (local.set $s12 (f32x4.add (local.get $u1) (local.get $u2)))
    (local.set $d12 (f32x4.sub (local.get $u2) (local.get $u1)))
    (local.set $s34 (f32x4.add (local.get $u3) (local.get $u4)))
    (local.set $d34 (f32x4.sub (local.get $u3) (local.get $u4)))
    (local.set $sixth (f32x4.splat (f32.const 0x1.555556p-3)))
    (f32x4.add
      (f32x4.sub (f32x4.mul (f32x4.splat (f32.const 0.25)) (local.get $u0)) (f32x4.mul (local.get $sixth) (local.get $s12)))
      (f32x4.mul (f32x4.splat (f32.const 0x1.555556p-5)) (local.get $s34)))
    (f32x4.add (f32x4.mul (local.get $sixth) (local.get $d12)) (f32x4.mul (f32x4.splat (f32.const 0x1.555556p-4)) (local.get $d34)))
    (f32x4.add (f32x4.mul (local.get $sixth) (f32x4.sub (local.get $s34) (local.get $s12))) (local.get $u5)))

  ;; Fills the 36-entry address table at $tab with the byte address of channel 0 of each pixel of tile $t's 6×6
  ;; input patch, or the zero row where the pixel lies in the padding (or $t is past the last tile).
  (func $input_addresses (param $job i32) (param $t i32) (param $tab i32)
    (local $zero i32) (local $per i32) (local $n i32) (local $r i32) (local $y0 i32) (local $x0 i32)
    (local $i i32) (local $j i32) (local $y i32) (local $x i32) (local $H i32) (local $W i32) (local $cin4 i32) (local $addr i32)
    (local.set $zero (i32.load offset=64 (local.get $job)))
    (local.set $H (i32.load offset=16 (local.get $job)))
    (local.set $W (i32.load offset=20 (local.get $job)))
    (local.set $cin4 (i32.shl (i32.load offset=24 (local.get $job)) (i32.const 2)))
    (local.set $per (i32.mul (i32.load offset=48 (local.get $job)) (i32.load offset=52 (local.get $job))))
    (local.set $n (i32.div_u (local.get $t) (local.get $per)))
    (local.set $r (i32.rem_u (local.get $t) (local.get $per)))
    (local.set $y0 (i32.sub (i32.shl (i32.div_u (local.get $r) (i32.load offset=52 (local.get $job))) (i32.const 2)) (i32.load offset=32 (local.get $job))))
    (local.set $x0 (i32.sub (i32.shl (i32.rem_u (local.get $r) (i32.load offset=52 (local.get $job))) (i32.const 2)) (i32.load offset=36 (local.get $job))))
    (local.set $i (i32.const 0))
    (loop $rows
      (local.set $y (i32.add (local.get $y0) (local.get $i)))
      (local.set $j (i32.const 0))
      (loop $cols
        (local.set $x (i32.add (local.get $x0) (local.get $j)))
        (local.set $addr (local.get $zero))
        (if (i32.and
              (i32.and (i32.lt_u (local.get $t) (i32.load offset=56 (local.get $job))) (i32.lt_u (local.get $y) (local.get $H)))
              (i32.lt_u (local.get $x) (local.get $W)))
          (then
            (local.set $addr
              (i32.add (i32.load (local.get $job))
                (i32.mul (local.get $cin4)
                  (i32.add (i32.mul (i32.add (i32.mul (local.get $n) (local.get $H)) (local.get $y)) (local.get $W)) (local.get $x)))))))
        (i32.store (i32.add (local.get $tab) (i32.shl (i32.add (i32.mul (local.get $i) (i32.const 6)) (local.get $j)) (i32.const 2))) (local.get $addr))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $cols (i32.lt_u (local.get $j) (i32.const 6))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $rows (i32.lt_u (local.get $i) (i32.const 6)))))

  ;; One transformed 4-channel vector into V: its lanes 16 bytes apart (4 tiles interleaved, the forward layout) or,
  ;; with $grad, whole.
  ;; build: inline
  (func $store_v (param $dst i32) (param $v v128) (param $grad i32)
    (if (local.get $grad)
      (then (v128.store (local.get $dst) (local.get $v)))
      (else
        (v128.store32_lane 0 (local.get $dst) (local.get $v))
        (v128.store32_lane offset=16 1 (local.get $dst) (local.get $v))
        (v128.store32_lane offset=32 2 (local.get $dst) (local.get $v))
        (v128.store32_lane offset=48 3 (local.get $dst) (local.get $v)))))

  ;; Input transform of tiles [$t0, $t0 + $ntr) into V: per position a [TB / 4][cin][4] array (4 tiles interleaved,
  ;; so the GEMM reads the 4 rows of a block from one 16-byte group).
  ;; With $grad set (the filter gradient's layout), V is [p][cin / 4][TB][4] instead: the gradient GEMM reads the
  ;; 4 channels of one tile from one 16-byte group.
  (func $input_transform (param $job i32) (param $t0 i32) (param $ntr i32) (param $V i32) (param $tmp i32) (param $tab i32) (param $grad i32)
    (local $tl i32) (local $c i32) (local $cin4 i32) (local $i i32) (local $row i32) (local $dst i32) (local $pstride i32) (local $step i32)
    (local $r0 v128) (local $r1 v128) (local $r2 v128) (local $r3 v128) (local $r4 v128) (local $r5 v128)
    (local.set $cin4 (i32.shl (i32.load offset=24 (local.get $job)) (i32.const 2)))
    (local.set $pstride (i32.mul (i32.load offset=72 (local.get $job)) (local.get $cin4)))
    (local.set $tl (i32.const 0))
    (loop $tiles
      (call $input_addresses (local.get $job) (i32.add (local.get $t0) (local.get $tl)) (local.get $tab))
      (local.set $c (i32.const 0))
      (loop $channels
        ;; rows: tmp[i][k] = Σ_j Bᵀ[k][j] d[i][j]
        (local.set $i (i32.const 0))
        (loop $r
          (local.set $row (i32.add (local.get $tab) (i32.mul (local.get $i) (i32.const 24))))
          (call $bt
            (v128.load (i32.add (i32.load (local.get $row)) (local.get $c)))
            (v128.load (i32.add (i32.load offset=4 (local.get $row)) (local.get $c)))
            (v128.load (i32.add (i32.load offset=8 (local.get $row)) (local.get $c)))
            (v128.load (i32.add (i32.load offset=12 (local.get $row)) (local.get $c)))
            (v128.load (i32.add (i32.load offset=16 (local.get $row)) (local.get $c)))
            (v128.load (i32.add (i32.load offset=20 (local.get $row)) (local.get $c))))
          (local.set $r5) (local.set $r4) (local.set $r3) (local.set $r2) (local.set $r1) (local.set $r0)
          (local.set $row (i32.add (local.get $tmp) (i32.mul (local.get $i) (i32.const 96))))
          (v128.store (local.get $row) (local.get $r0))
          (v128.store offset=16 (local.get $row) (local.get $r1))
          (v128.store offset=32 (local.get $row) (local.get $r2))
          (v128.store offset=48 (local.get $row) (local.get $r3))
          (v128.store offset=64 (local.get $row) (local.get $r4))
          (v128.store offset=80 (local.get $row) (local.get $r5))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $r (i32.lt_u (local.get $i) (i32.const 6))))
        ;; columns: V[l·6 + k] = Σ_i Bᵀ[l][i] tmp[i][k]
        (local.set $i (i32.const 0))
        (loop $k
          (local.set $row (i32.add (local.get $tmp) (i32.shl (local.get $i) (i32.const 4))))
          (call $bt
            (v128.load (local.get $row))
            (v128.load offset=96 (local.get $row))
            (v128.load offset=192 (local.get $row))
            (v128.load offset=288 (local.get $row))
            (v128.load offset=384 (local.get $row))
            (v128.load offset=480 (local.get $row)))
          (local.set $r5) (local.set $r4) (local.set $r3) (local.set $r2) (local.set $r1) (local.set $r0)
          ;; position p = l·6 + k: channel ch of tile tl lives at V + p·pstride + (tl >> 2)·16·cin + 16·ch + 4·(tl & 3)
          ;; (with $grad: at V + p·pstride + 4·ch·TB + 4·tl + channel lane, so 16·tl for the 4-channel group)
          (local.set $dst
            (i32.add (i32.add (local.get $V) (i32.mul (local.get $i) (local.get $pstride)))
              (if (result i32) (local.get $grad)
                (then (i32.add (i32.mul (local.get $c) (i32.load offset=72 (local.get $job))) (i32.shl (local.get $tl) (i32.const 4))))
                (else
                  (i32.add (i32.add (i32.mul (i32.shr_u (local.get $tl) (i32.const 2)) (i32.shl (local.get $cin4) (i32.const 2)))
                                    (i32.shl (local.get $c) (i32.const 2)))
                           (i32.shl (i32.and (local.get $tl) (i32.const 3)) (i32.const 2)))))))
          (local.set $step (i32.mul (local.get $pstride) (i32.const 6)))
          (call $store_v (local.get $dst) (local.get $r0) (local.get $grad))
          (local.set $dst (i32.add (local.get $dst) (local.get $step)))
          (call $store_v (local.get $dst) (local.get $r1) (local.get $grad))
          (local.set $dst (i32.add (local.get $dst) (local.get $step)))
          (call $store_v (local.get $dst) (local.get $r2) (local.get $grad))
          (local.set $dst (i32.add (local.get $dst) (local.get $step)))
          (call $store_v (local.get $dst) (local.get $r3) (local.get $grad))
          (local.set $dst (i32.add (local.get $dst) (local.get $step)))
          (call $store_v (local.get $dst) (local.get $r4) (local.get $grad))
          (local.set $dst (i32.add (local.get $dst) (local.get $step)))
          (call $store_v (local.get $dst) (local.get $r5) (local.get $grad))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $k (i32.lt_u (local.get $i) (i32.const 6))))
        (local.set $c (i32.add (local.get $c) (i32.const 16)))
        (br_if $channels (i32.lt_u (local.get $c) (local.get $cin4))))
      (local.set $tl (i32.add (local.get $tl) (i32.const 1)))
      (br_if $tiles (i32.lt_u (local.get $tl) (local.get $ntr)))))

  ;; C[ntr, cout] = A[ntr, cin] · B (C row-major; A in 4-row groups [ntr / 4][cin][4]; ntr a multiple of 4, cout of
  ;; 8): 4 × 8 register blocks. B is
  ;; packed in 8-column panels ([cout / 8][cin][8], contiguous 32 · cin bytes each), so the panel stays in L1 while
  ;; the row blocks pass (a row-major B with a 1 KiB row stride would alias a few L1 sets).
  (func $gemm (param $A i32) (param $B i32) (param $C i32) (param $ntr i32) (param $cin i32) (param $cout i32)
    (local $cin4 i32) (local $cout4 i32) (local $i i32) (local $j i32)
    (local $a i32) (local $b i32) (local $aend i32) (local $c i32) (local $panel i32)
    (local $x v128) (local $w0 v128) (local $w1 v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local.set $cin4 (i32.shl (local.get $cin) (i32.const 2)))
    (local.set $cout4 (i32.shl (local.get $cout) (i32.const 2)))
    (local.set $j (i32.const 0))
    (loop $cols
      (local.set $panel (i32.add (local.get $B) (i32.mul (local.get $j) (local.get $cin))))
      (local.set $i (i32.const 0))
      (loop $rows
        (local.set $c00 (v128.const i32x4 0 0 0 0)) (local.set $c01 (v128.const i32x4 0 0 0 0))
        (local.set $c10 (v128.const i32x4 0 0 0 0)) (local.set $c11 (v128.const i32x4 0 0 0 0))
        (local.set $c20 (v128.const i32x4 0 0 0 0)) (local.set $c21 (v128.const i32x4 0 0 0 0))
        (local.set $c30 (v128.const i32x4 0 0 0 0)) (local.set $c31 (v128.const i32x4 0 0 0 0))
        (local.set $a (i32.add (local.get $A) (i32.mul (local.get $i) (local.get $cin4))))
        (local.set $aend (i32.add (local.get $a) (i32.shl (local.get $cin4) (i32.const 2))))
        (local.set $b (local.get $panel))
        (loop $k
          (local.set $w0 (v128.load (local.get $b)))
          (local.set $w1 (v128.load offset=16 (local.get $b)))
          (local.set $x (v128.load32_splat (local.get $a)))
          (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $x) (local.get $w0))))
          (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $x) (local.get $w1))))
          (local.set $x (v128.load32_splat offset=4 (local.get $a)))
          (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $x) (local.get $w0))))
          (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $x) (local.get $w1))))
          (local.set $x (v128.load32_splat offset=8 (local.get $a)))
          (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $x) (local.get $w0))))
          (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $x) (local.get $w1))))
          (local.set $x (v128.load32_splat offset=12 (local.get $a)))
          (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $x) (local.get $w0))))
          (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $x) (local.get $w1))))
          (local.set $a (i32.add (local.get $a) (i32.const 16)))
          (local.set $b (i32.add (local.get $b) (i32.const 32)))
          (br_if $k (i32.lt_u (local.get $a) (local.get $aend))))
        (local.set $c (i32.add (i32.add (local.get $C) (i32.mul (local.get $i) (local.get $cout4))) (local.get $j)))
        (v128.store (local.get $c) (local.get $c00))
        (v128.store offset=16 (local.get $c) (local.get $c01))
        (local.set $c (i32.add (local.get $c) (local.get $cout4)))
        (v128.store (local.get $c) (local.get $c10))
        (v128.store offset=16 (local.get $c) (local.get $c11))
        (local.set $c (i32.add (local.get $c) (local.get $cout4)))
        (v128.store (local.get $c) (local.get $c20))
        (v128.store offset=16 (local.get $c) (local.get $c21))
        (local.set $c (i32.add (local.get $c) (local.get $cout4)))
        (v128.store (local.get $c) (local.get $c30))
        (v128.store offset=16 (local.get $c) (local.get $c31))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br_if $rows (i32.lt_u (local.get $i) (local.get $ntr))))
      (local.set $j (i32.add (local.get $j) (i32.const 32)))
      (br_if $cols (i32.lt_u (local.get $j) (local.get $cout4)))))

  ;; Fills the 16-entry address table at $tab with the byte address of each pixel of output tile $t (4×4, row-major)
  ;; in the [n, OH, OW, cout] tensor at $base, or $none where the pixel lies outside the image (a partial tile).
  (func $tile_addresses (param $job i32) (param $t i32) (param $tab i32) (param $base i32) (param $none i32)
    (local $per i32) (local $n i32) (local $r i32) (local $y0 i32) (local $x0 i32) (local $y i32) (local $x i32)
    (local $i i32) (local $addr i32) (local $OH i32) (local $OW i32) (local $cout4 i32)
    (local.set $cout4 (i32.shl (i32.load offset=28 (local.get $job)) (i32.const 2)))
    (local.set $OH (i32.load offset=40 (local.get $job)))
    (local.set $OW (i32.load offset=44 (local.get $job)))
    (local.set $per (i32.mul (i32.load offset=48 (local.get $job)) (i32.load offset=52 (local.get $job))))
    (local.set $n (i32.div_u (local.get $t) (local.get $per)))
    (local.set $r (i32.rem_u (local.get $t) (local.get $per)))
    (local.set $y0 (i32.shl (i32.div_u (local.get $r) (i32.load offset=52 (local.get $job))) (i32.const 2)))
    (local.set $x0 (i32.shl (i32.rem_u (local.get $r) (i32.load offset=52 (local.get $job))) (i32.const 2)))
    (local.set $i (i32.const 0))
    (loop $px
      (local.set $y (i32.add (local.get $y0) (i32.shr_u (local.get $i) (i32.const 2))))
      (local.set $x (i32.add (local.get $x0) (i32.and (local.get $i) (i32.const 3))))
      (local.set $addr (local.get $none))
      (if (i32.and (i32.lt_u (local.get $y) (local.get $OH)) (i32.lt_u (local.get $x) (local.get $OW)))
        (then
          (local.set $addr
            (i32.add (local.get $base)
              (i32.mul (local.get $cout4)
                (i32.add (i32.mul (i32.add (i32.mul (local.get $n) (local.get $OH)) (local.get $y)) (local.get $OW)) (local.get $x)))))))
      (i32.store (i32.add (local.get $tab) (i32.shl (local.get $i) (i32.const 2))) (local.get $addr))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $px (i32.lt_u (local.get $i) (i32.const 16)))))

  ;; Output transform of tiles [$t0, $t0 + $nt) from M into the output (+ bias, ReLU when the job says so).
  (func $output_transform (param $job i32) (param $t0 i32) (param $nt i32) (param $M i32) (param $tmp i32) (param $tab i32)
    (local $tl i32) (local $c i32) (local $cout4 i32) (local $pstride i32) (local $i i32) (local $row i32) (local $src i32)
    (local $bias v128) (local $relu i32) (local $zero v128)
    (local $o0 v128) (local $o1 v128) (local $o2 v128) (local $o3 v128)
    (local.set $cout4 (i32.shl (i32.load offset=28 (local.get $job)) (i32.const 2)))
    (local.set $pstride (i32.mul (i32.load offset=72 (local.get $job)) (local.get $cout4)))
    (local.set $relu (i32.load offset=60 (local.get $job)))
    (local.set $tl (i32.const 0))
    (loop $tiles
      ;; output addresses of the 4×4 pixels, the sink where a pixel lies outside the image
      (call $tile_addresses (local.get $job) (i32.add (local.get $t0) (local.get $tl)) (local.get $tab)
        (i32.load offset=12 (local.get $job)) (i32.load offset=68 (local.get $job)))
      (local.set $c (i32.const 0))
      (loop $channels
        ;; rows: tmp[l][b] = Σ_k Aᵀ[b][k] m[l·6 + k]
        (local.set $i (i32.const 0))
        (loop $l
          (local.set $src
            (i32.add (i32.add (local.get $M) (i32.mul (i32.mul (local.get $i) (i32.const 6)) (local.get $pstride)))
              (i32.add (i32.mul (local.get $tl) (local.get $cout4)) (local.get $c))))
          (call $at
            (v128.load (local.get $src))
            (v128.load (i32.add (local.get $src) (local.get $pstride)))
            (v128.load (i32.add (local.get $src) (i32.shl (local.get $pstride) (i32.const 1))))
            (v128.load (i32.add (local.get $src) (i32.mul (local.get $pstride) (i32.const 3))))
            (v128.load (i32.add (local.get $src) (i32.shl (local.get $pstride) (i32.const 2))))
            (v128.load (i32.add (local.get $src) (i32.mul (local.get $pstride) (i32.const 5)))))
          (local.set $o3) (local.set $o2) (local.set $o1) (local.set $o0)
          (local.set $row (i32.add (local.get $tmp) (i32.shl (local.get $i) (i32.const 6))))
          (v128.store (local.get $row) (local.get $o0))
          (v128.store offset=16 (local.get $row) (local.get $o1))
          (v128.store offset=32 (local.get $row) (local.get $o2))
          (v128.store offset=48 (local.get $row) (local.get $o3))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $l (i32.lt_u (local.get $i) (i32.const 6))))
        ;; columns: y[a][b] = Σ_l Aᵀ[a][l] tmp[l][b], + bias, ReLU, store
        (local.set $bias (v128.load (i32.add (i32.load offset=8 (local.get $job)) (local.get $c))))
        (local.set $i (i32.const 0))
        (loop $b
          (local.set $row (i32.add (local.get $tmp) (i32.shl (local.get $i) (i32.const 4))))
          (call $at
            (v128.load (local.get $row))
            (v128.load offset=64 (local.get $row))
            (v128.load offset=128 (local.get $row))
            (v128.load offset=192 (local.get $row))
            (v128.load offset=256 (local.get $row))
            (v128.load offset=320 (local.get $row)))
          (local.set $o3) (local.set $o2) (local.set $o1) (local.set $o0)
          (local.set $o0 (f32x4.add (local.get $o0) (local.get $bias)))
          (local.set $o1 (f32x4.add (local.get $o1) (local.get $bias)))
          (local.set $o2 (f32x4.add (local.get $o2) (local.get $bias)))
          (local.set $o3 (f32x4.add (local.get $o3) (local.get $bias)))
          (if (local.get $relu)
            (then
              (local.set $o0 (f32x4.max (local.get $o0) (local.get $zero)))
              (local.set $o1 (f32x4.max (local.get $o1) (local.get $zero)))
              (local.set $o2 (f32x4.max (local.get $o2) (local.get $zero)))
              (local.set $o3 (f32x4.max (local.get $o3) (local.get $zero)))))
          ;; pixel (a, b) is table entry a·4 + b
          (local.set $row (i32.add (local.get $tab) (i32.shl (local.get $i) (i32.const 2))))
          (v128.store (i32.add (i32.load (local.get $row)) (local.get $c)) (local.get $o0))
          (v128.store (i32.add (i32.load offset=16 (local.get $row)) (local.get $c)) (local.get $o1))
          (v128.store (i32.add (i32.load offset=32 (local.get $row)) (local.get $c)) (local.get $o2))
          (v128.store (i32.add (i32.load offset=48 (local.get $row)) (local.get $c)) (local.get $o3))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $b (i32.lt_u (local.get $i) (i32.const 4))))
        (local.set $c (i32.add (local.get $c) (i32.const 16)))
        (br_if $channels (i32.lt_u (local.get $c) (local.get $cout4))))
      (local.set $tl (i32.add (local.get $tl) (i32.const 1)))
      (br_if $tiles (i32.lt_u (local.get $tl) (local.get $nt)))))

  ;; One block of tiles: transforms and the 36 GEMMs, with the scratch area at $scratch.
  (func $block (export "block") (param $job i32) (param $blk i32) (param $scratch i32)
    (local $TB i32) (local $t0 i32) (local $nt i32) (local $ntr i32) (local $cin i32) (local $cout i32)
    (local $V i32) (local $M i32) (local $tmp i32) (local $tab i32) (local $p i32)
    (local.set $TB (i32.load offset=72 (local.get $job)))
    (local.set $cin (i32.load offset=24 (local.get $job)))
    (local.set $cout (i32.load offset=28 (local.get $job)))
    (local.set $t0 (i32.mul (local.get $blk) (local.get $TB)))
    (local.set $nt (i32.sub (i32.load offset=56 (local.get $job)) (local.get $t0)))
    (if (i32.gt_u (local.get $nt) (local.get $TB)) (then (local.set $nt (local.get $TB))))
    (local.set $ntr (i32.and (i32.add (local.get $nt) (i32.const 3)) (i32.const -4)))
    (local.set $V (local.get $scratch))
    (local.set $M (i32.add (local.get $V) (i32.mul (i32.mul (i32.const 144) (local.get $TB)) (local.get $cin))))
    (local.set $tmp (i32.add (local.get $M) (i32.mul (i32.mul (i32.const 144) (local.get $TB)) (local.get $cout))))
    (local.set $tab (i32.add (local.get $tmp) (i32.const 576)))
    (call $input_transform (local.get $job) (local.get $t0) (local.get $ntr) (local.get $V) (local.get $tmp) (local.get $tab) (i32.const 0))
    (local.set $p (i32.const 0))
    (loop $positions
      (call $gemm
        (i32.add (local.get $V) (i32.mul (i32.mul (local.get $p) (local.get $TB)) (i32.shl (local.get $cin) (i32.const 2))))
        (i32.add (i32.load offset=4 (local.get $job)) (i32.mul (i32.mul (local.get $p) (local.get $cin)) (i32.shl (local.get $cout) (i32.const 2))))
        (i32.add (local.get $M) (i32.mul (i32.mul (local.get $p) (local.get $TB)) (i32.shl (local.get $cout) (i32.const 2))))
        (local.get $ntr) (local.get $cin) (local.get $cout))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br_if $positions (i32.lt_u (local.get $p) (i32.const 36))))
    (call $output_transform (local.get $job) (local.get $t0) (local.get $nt) (local.get $M) (local.get $tmp) (local.get $tab)))

  ;; ---- Filter gradient (job kind 1, then kind 2). The adjoint of the convolution above, per output tile t:
  ;; Z_t = A dY_t Aᵀ (the 4×4 output gradient → 6×6), then per position p the GEMM dU[p] += V_t[p]ᵀ Z_t[p]
  ;; ([cin, TB] × [TB, cout], summed over the tiles of all blocks into each thread's accumulator), and at the end
  ;; dW = Gᵀ dU G. Job fields as above, with 4 dy (the output gradient, [n, OH, OW, cout]) instead of u; the zero
  ;; row holds max(cin, cout) floats. A thread's scratch: its accumulator dU [36][cin][cout] first, then
  ;; V [36][cin / 4][TB][4], Z [36][cout / 8][TB][8], a 36-v128 temporary and a 36-i32 address table.
  ;; Kind 2 (one block per input channel) sums the threads' accumulators and writes dW [9][cin][cout]; its fields:
  ;;  88 out   92 threads   96 scratch stride (bytes between the threads' scratch areas)   100 thread 0's scratch.

  ;; The output-gradient transform of tiles [$t0, $t0 + $nt) into Z ([p][cout / 8][TB][8]; zero outside the image).
  (func $dy_transform (param $job i32) (param $t0 i32) (param $nt i32) (param $Z i32) (param $tmp i32) (param $tab i32)
    (local $tl i32) (local $c i32) (local $cout4 i32) (local $zstride i32) (local $i i32) (local $row i32) (local $dst i32)
    (local $step i32)
    (local $z0 v128) (local $z1 v128) (local $z2 v128) (local $z3 v128) (local $z4 v128) (local $z5 v128)
    (local.set $cout4 (i32.shl (i32.load offset=28 (local.get $job)) (i32.const 2)))
    (local.set $zstride (i32.mul (i32.load offset=72 (local.get $job)) (local.get $cout4)))
    (local.set $step (i32.mul (local.get $zstride) (i32.const 6)))
    (local.set $tl (i32.const 0))
    (loop $tiles
      ;; addresses of the 4×4 output-gradient pixels, the zero row where a pixel lies outside the image
      (call $tile_addresses (local.get $job) (i32.add (local.get $t0) (local.get $tl)) (local.get $tab)
        (i32.load offset=4 (local.get $job)) (i32.load offset=64 (local.get $job)))
      (local.set $c (i32.const 0))
      (loop $channels
        ;; rows: tmp[a][k] = Σ_b Aᵀ[b][k] dy[a][b]
        (local.set $i (i32.const 0))
        (loop $a
          (local.set $row (i32.add (local.get $tab) (i32.shl (local.get $i) (i32.const 4))))
          (call $a6
            (v128.load (i32.add (i32.load (local.get $row)) (local.get $c)))
            (v128.load (i32.add (i32.load offset=4 (local.get $row)) (local.get $c)))
            (v128.load (i32.add (i32.load offset=8 (local.get $row)) (local.get $c)))
            (v128.load (i32.add (i32.load offset=12 (local.get $row)) (local.get $c))))
          (local.set $z5) (local.set $z4) (local.set $z3) (local.set $z2) (local.set $z1) (local.set $z0)
          (local.set $row (i32.add (local.get $tmp) (i32.mul (local.get $i) (i32.const 96))))
          (v128.store (local.get $row) (local.get $z0))
          (v128.store offset=16 (local.get $row) (local.get $z1))
          (v128.store offset=32 (local.get $row) (local.get $z2))
          (v128.store offset=48 (local.get $row) (local.get $z3))
          (v128.store offset=64 (local.get $row) (local.get $z4))
          (v128.store offset=80 (local.get $row) (local.get $z5))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $a (i32.lt_u (local.get $i) (i32.const 4))))
        ;; columns: Z[l·6 + k] = Σ_a Aᵀ[a][l] tmp[a][k], channel co of tile tl at
        ;; Z + p·zstride + (co >> 3)·32·TB + 32·tl + 4·(co & 7)
        (local.set $i (i32.const 0))
        (loop $k
          (local.set $row (i32.add (local.get $tmp) (i32.shl (local.get $i) (i32.const 4))))
          (call $a6
            (v128.load (local.get $row))
            (v128.load offset=96 (local.get $row))
            (v128.load offset=192 (local.get $row))
            (v128.load offset=288 (local.get $row)))
          (local.set $z5) (local.set $z4) (local.set $z3) (local.set $z2) (local.set $z1) (local.set $z0)
          (local.set $dst
            (i32.add
              (i32.add (i32.add (local.get $Z) (i32.mul (local.get $i) (local.get $zstride)))
                       (i32.mul (i32.and (local.get $c) (i32.const -32)) (i32.load offset=72 (local.get $job))))
              (i32.add (i32.shl (local.get $tl) (i32.const 5)) (i32.and (local.get $c) (i32.const 16)))))
          (v128.store (local.get $dst) (local.get $z0))
          (local.set $dst (i32.add (local.get $dst) (local.get $step)))
          (v128.store (local.get $dst) (local.get $z1))
          (local.set $dst (i32.add (local.get $dst) (local.get $step)))
          (v128.store (local.get $dst) (local.get $z2))
          (local.set $dst (i32.add (local.get $dst) (local.get $step)))
          (v128.store (local.get $dst) (local.get $z3))
          (local.set $dst (i32.add (local.get $dst) (local.get $step)))
          (v128.store (local.get $dst) (local.get $z4))
          (local.set $dst (i32.add (local.get $dst) (local.get $step)))
          (v128.store (local.get $dst) (local.get $z5))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $k (i32.lt_u (local.get $i) (i32.const 6))))
        (local.set $c (i32.add (local.get $c) (i32.const 16)))
        (br_if $channels (i32.lt_u (local.get $c) (local.get $cout4))))
      (local.set $tl (i32.add (local.get $tl) (i32.const 1)))
      (br_if $tiles (i32.lt_u (local.get $tl) (local.get $nt)))))

  ;; C[cin, cout] += Aᵀ · B over $nt tiles (C row-major; A = V[p] as [cin / 4][TB][4], B = Z[p] as
  ;; [cout / 8][TB][8]): 4 × 8 register blocks of C, loaded once and stored once per block of tiles. The k loop is
  ;; $gemm's, kept as a twin on purpose: a shared loop would be a call per register block passing 8 v128 each way
  ;; (the build's inliner takes no loops, and V8 before 12 inlines no wasm calls).
  (func $gemm_acc (param $A i32) (param $B i32) (param $C i32) (param $nt i32) (param $cin i32) (param $cout i32) (param $TB i32)
    (local $cin4 i32) (local $cout4 i32) (local $g i32) (local $j i32)
    (local $a i32) (local $b i32) (local $aend i32) (local $c i32) (local $panel i32)
    (local $x v128) (local $w0 v128) (local $w1 v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local.set $cin4 (i32.shl (local.get $cin) (i32.const 2)))
    (local.set $cout4 (i32.shl (local.get $cout) (i32.const 2)))
    (local.set $j (i32.const 0))
    (loop $cols
      (local.set $panel (i32.add (local.get $B) (i32.mul (local.get $j) (local.get $TB))))
      (local.set $g (i32.const 0))
      (loop $rows
        (local.set $c (i32.add (i32.add (local.get $C) (i32.mul (i32.shr_u (local.get $g) (i32.const 2)) (local.get $cout4))) (local.get $j)))
        (local.set $c00 (v128.load (local.get $c)))
        (local.set $c01 (v128.load offset=16 (local.get $c)))
        (local.set $c (i32.add (local.get $c) (local.get $cout4)))
        (local.set $c10 (v128.load (local.get $c)))
        (local.set $c11 (v128.load offset=16 (local.get $c)))
        (local.set $c (i32.add (local.get $c) (local.get $cout4)))
        (local.set $c20 (v128.load (local.get $c)))
        (local.set $c21 (v128.load offset=16 (local.get $c)))
        (local.set $c (i32.add (local.get $c) (local.get $cout4)))
        (local.set $c30 (v128.load (local.get $c)))
        (local.set $c31 (v128.load offset=16 (local.get $c)))
        (local.set $a (i32.add (local.get $A) (i32.mul (local.get $g) (local.get $TB))))
        (local.set $aend (i32.add (local.get $a) (i32.shl (local.get $nt) (i32.const 4))))
        (local.set $b (local.get $panel))
        (loop $k
          (local.set $w0 (v128.load (local.get $b)))
          (local.set $w1 (v128.load offset=16 (local.get $b)))
          (local.set $x (v128.load32_splat (local.get $a)))
          (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $x) (local.get $w0))))
          (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $x) (local.get $w1))))
          (local.set $x (v128.load32_splat offset=4 (local.get $a)))
          (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $x) (local.get $w0))))
          (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $x) (local.get $w1))))
          (local.set $x (v128.load32_splat offset=8 (local.get $a)))
          (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $x) (local.get $w0))))
          (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $x) (local.get $w1))))
          (local.set $x (v128.load32_splat offset=12 (local.get $a)))
          (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $x) (local.get $w0))))
          (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $x) (local.get $w1))))
          (local.set $a (i32.add (local.get $a) (i32.const 16)))
          (local.set $b (i32.add (local.get $b) (i32.const 32)))
          (br_if $k (i32.lt_u (local.get $a) (local.get $aend))))
        (local.set $c (i32.add (i32.add (local.get $C) (i32.mul (i32.shr_u (local.get $g) (i32.const 2)) (local.get $cout4))) (local.get $j)))
        (v128.store (local.get $c) (local.get $c00))
        (v128.store offset=16 (local.get $c) (local.get $c01))
        (local.set $c (i32.add (local.get $c) (local.get $cout4)))
        (v128.store (local.get $c) (local.get $c10))
        (v128.store offset=16 (local.get $c) (local.get $c11))
        (local.set $c (i32.add (local.get $c) (local.get $cout4)))
        (v128.store (local.get $c) (local.get $c20))
        (v128.store offset=16 (local.get $c) (local.get $c21))
        (local.set $c (i32.add (local.get $c) (local.get $cout4)))
        (v128.store (local.get $c) (local.get $c30))
        (v128.store offset=16 (local.get $c) (local.get $c31))
        (local.set $g (i32.add (local.get $g) (i32.const 16)))
        (br_if $rows (i32.lt_u (local.get $g) (local.get $cin4))))
      (local.set $j (i32.add (local.get $j) (i32.const 32)))
      (br_if $cols (i32.lt_u (local.get $j) (local.get $cout4)))))

  ;; One block of tiles of the filter gradient, accumulated into the thread's dU at $scratch.
  (func $grad_block (param $job i32) (param $blk i32) (param $scratch i32)
    (local $TB i32) (local $t0 i32) (local $nt i32) (local $cin i32) (local $cout i32)
    (local $V i32) (local $Z i32) (local $tmp i32) (local $tab i32) (local $p i32)
    (local.set $TB (i32.load offset=72 (local.get $job)))
    (local.set $cin (i32.load offset=24 (local.get $job)))
    (local.set $cout (i32.load offset=28 (local.get $job)))
    (local.set $t0 (i32.mul (local.get $blk) (local.get $TB)))
    (local.set $nt (i32.sub (i32.load offset=56 (local.get $job)) (local.get $t0)))
    (if (i32.gt_u (local.get $nt) (local.get $TB)) (then (local.set $nt (local.get $TB))))
    (local.set $V (i32.add (local.get $scratch) (i32.mul (i32.mul (i32.const 144) (local.get $cin)) (local.get $cout))))
    (local.set $Z (i32.add (local.get $V) (i32.mul (i32.mul (i32.const 144) (local.get $TB)) (local.get $cin))))
    (local.set $tmp (i32.add (local.get $Z) (i32.mul (i32.mul (i32.const 144) (local.get $TB)) (local.get $cout))))
    (local.set $tab (i32.add (local.get $tmp) (i32.const 576)))
    (call $input_transform (local.get $job) (local.get $t0) (local.get $nt) (local.get $V) (local.get $tmp) (local.get $tab) (i32.const 1))
    (call $dy_transform (local.get $job) (local.get $t0) (local.get $nt) (local.get $Z) (local.get $tmp) (local.get $tab))
    (local.set $p (i32.const 0))
    (loop $positions
      (call $gemm_acc
        (i32.add (local.get $V) (i32.mul (i32.mul (local.get $p) (local.get $TB)) (i32.shl (local.get $cin) (i32.const 2))))
        (i32.add (local.get $Z) (i32.mul (i32.mul (local.get $p) (local.get $TB)) (i32.shl (local.get $cout) (i32.const 2))))
        (i32.add (local.get $scratch) (i32.mul (i32.mul (local.get $p) (local.get $cin)) (i32.shl (local.get $cout) (i32.const 2))))
        (local.get $nt) (local.get $cin) (local.get $cout) (local.get $TB))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br_if $positions (i32.lt_u (local.get $p) (i32.const 36)))))

  ;; Input channel $ci of the finished gradient: dW[kh·3 + kw][ci] = Σ_ij G[i][kh] G[j][kw] Σ_threads dU[i·6 + j][ci]
  ;; ($tmp: 54 v128 of the caller's scratch that no thread's accumulator overlaps).
  (func $grad_finish (param $job i32) (param $ci i32) (param $tmp i32)
    (local $cin i32) (local $cout4 i32) (local $plane i32) (local $threads i32) (local $stride i32) (local $src i32) (local $out i32)
    (local $c i32) (local $p i32) (local $th i32) (local $i i32) (local $row i32) (local $v v128)
    (local $r0 v128) (local $r1 v128) (local $r2 v128)
    (local.set $cin (i32.load offset=24 (local.get $job)))
    (local.set $cout4 (i32.shl (i32.load offset=28 (local.get $job)) (i32.const 2)))
    (local.set $plane (i32.mul (local.get $cin) (local.get $cout4)))
    (local.set $threads (i32.load offset=92 (local.get $job)))
    (local.set $stride (i32.load offset=96 (local.get $job)))
    (local.set $c (i32.const 0))
    (loop $channels
      ;; the 36 positions, summed over the threads, into tmp[0 .. 36)
      (local.set $p (i32.const 0))
      (loop $positions
        (local.set $src
          (i32.add (i32.add (i32.load offset=100 (local.get $job)) (i32.mul (local.get $p) (local.get $plane)))
                   (i32.add (i32.mul (local.get $ci) (local.get $cout4)) (local.get $c))))
        (local.set $v (v128.load (local.get $src)))
        (local.set $th (i32.const 1))
        (block $summed
          (loop $more
            (br_if $summed (i32.ge_u (local.get $th) (local.get $threads)))
            (local.set $src (i32.add (local.get $src) (local.get $stride)))
            (local.set $v (f32x4.add (local.get $v) (v128.load (local.get $src))))
            (local.set $th (i32.add (local.get $th) (i32.const 1)))
            (br $more)))
        (v128.store (i32.add (local.get $tmp) (i32.shl (local.get $p) (i32.const 4))) (local.get $v))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br_if $positions (i32.lt_u (local.get $p) (i32.const 36))))
      ;; rows: T[i][kw] = Σ_j G[j][kw] dU[i][j], into tmp[36 + 3i + kw]
      (local.set $i (i32.const 0))
      (loop $r
        (local.set $row (i32.add (local.get $tmp) (i32.mul (local.get $i) (i32.const 96))))
        (call $gt
          (v128.load (local.get $row))
          (v128.load offset=16 (local.get $row))
          (v128.load offset=32 (local.get $row))
          (v128.load offset=48 (local.get $row))
          (v128.load offset=64 (local.get $row))
          (v128.load offset=80 (local.get $row)))
        (local.set $r2) (local.set $r1) (local.set $r0)
        (local.set $row (i32.add (local.get $tmp) (i32.add (i32.const 576) (i32.mul (local.get $i) (i32.const 48)))))
        (v128.store (local.get $row) (local.get $r0))
        (v128.store offset=16 (local.get $row) (local.get $r1))
        (v128.store offset=32 (local.get $row) (local.get $r2))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $r (i32.lt_u (local.get $i) (i32.const 6))))
      ;; columns: dW[kh][kw] = Σ_i G[i][kh] T[i][kw], at out + (kh·3 + kw)·plane + ci·cout·4 + c
      (local.set $i (i32.const 0))
      (loop $kw
        (local.set $row (i32.add (local.get $tmp) (i32.add (i32.const 576) (i32.shl (local.get $i) (i32.const 4)))))
        (call $gt
          (v128.load (local.get $row))
          (v128.load offset=48 (local.get $row))
          (v128.load offset=96 (local.get $row))
          (v128.load offset=144 (local.get $row))
          (v128.load offset=192 (local.get $row))
          (v128.load offset=240 (local.get $row)))
        (local.set $r2) (local.set $r1) (local.set $r0)
        (local.set $out
          (i32.add (i32.add (i32.load offset=88 (local.get $job)) (i32.mul (local.get $i) (local.get $plane)))
                   (i32.add (i32.mul (local.get $ci) (local.get $cout4)) (local.get $c))))
        (v128.store (local.get $out) (local.get $r0))
        (v128.store (i32.add (local.get $out) (i32.mul (local.get $plane) (i32.const 3))) (local.get $r1))
        (v128.store (i32.add (local.get $out) (i32.mul (local.get $plane) (i32.const 6))) (local.get $r2))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $kw (i32.lt_u (local.get $i) (i32.const 3))))
      (local.set $c (i32.add (local.get $c) (i32.const 16)))
      (br_if $channels (i32.lt_u (local.get $c) (local.get $cout4)))))

  ;; Takes blocks from the job's atomic counter until none is left (every thread of a job calls this).
  (func (export "run") (param $job i32) (param $scratch i32)
    (local $blk i32)
    (block $done
      (loop $next
        (local.set $blk (i32.atomic.rmw.add offset=76 (local.get $job) (i32.const 1)))
        (br_if $done (i32.ge_u (local.get $blk) (i32.load offset=80 (local.get $job))))
        (if (i32.eqz (i32.load offset=84 (local.get $job)))
          (then (call $block (local.get $job) (local.get $blk) (local.get $scratch)))
          (else
            (if (i32.eq (i32.load offset=84 (local.get $job)) (i32.const 1))
              (then (call $grad_block (local.get $job) (local.get $blk) (local.get $scratch)))
              ;; kind 2: the temporary lies in the V area, past the thread's own accumulator
              (else
                (call $grad_finish (local.get $job) (local.get $blk)
                  (i32.add (local.get $scratch)
                    (i32.mul (i32.mul (i32.const 144) (i32.load offset=24 (local.get $job))) (i32.load offset=28 (local.get $job)))))))))
        (br $next))))

  ;; Bytes of one thread's scratch area.
  (func (export "scratch_bytes") (param $TB i32) (param $cin i32) (param $cout i32) (result i32)
    (i32.add (i32.mul (i32.mul (i32.const 144) (local.get $TB)) (i32.add (local.get $cin) (local.get $cout))) (i32.const 720)))
)
