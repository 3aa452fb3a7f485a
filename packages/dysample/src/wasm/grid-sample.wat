;; Bilinear grid sampling (PyTorch's F.grid_sample, 'zeros' or 'border' padding, NHWC, channel groups) forward and
;; backward with WebAssembly SIMD128, on tensors in the tfjs wasm backend's own memory (imported, nothing copied).
;; The same walk as grid-sample-impl.ts (the reference): per output point the grid coordinate is unnormalised in
;; float32 with ATen's operation order, clipped ('border') or skipped when non-finite ('zeros'), and its four
;; corners blended over the group's channels, 4 per f32x4 (the group's channel count must be a multiple of 4).
;; A corner outside the image reads the zero row and (backward) writes the sink row, so it adds nothing, as the
;; reference skips it. Float32 arithmetic throughout (the reference blends in float64): results agree to a few ulps.
;; Compiled by scripts/build-wasm.mjs into grid-sample-wasm.ts (shared memory: the threaded backend) and
;; grid-sample-unshared-wasm.ts.
;; build: also an unshared-memory variant
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; Job record (i32 fields, byte offsets), written by the caller:
  ;;   0 x   4 grid   8 out (forward) / dy (backward)   12 dx   16 dgrid   20 B   24 H   28 W   32 C   36 G   40 P (Ho·Wo)
  ;;  44 alignCorners   48 border   52 zero row (C / G zero floats)   56 sink row (C / G floats nobody reads)

  ;; The pixel coordinate of normalised `c` on an axis of `size` pixels, and d(coordinate)/dc; NaN where a
  ;; 'zeros' sample is skipped (non-finite), the clipped coordinate (gradient 0 at and past the border) for 'border'.
  (func $source (param $c f32) (param $size i32) (param $align i32) (param $border i32) (result f32 f32)
    (local $v f32) (local $g f32) (local $max f32)
    (local.set $g (if (result f32) (local.get $align)
      (then (f32.div (f32.convert_i32_s (i32.sub (local.get $size) (i32.const 1))) (f32.const 2)))
      (else (f32.div (f32.convert_i32_s (local.get $size)) (f32.const 2)))))
    ;; (c + 1)·(size − 1)/2 with alignCorners, else (c + 1)·size/2 − 0.5
    (local.set $v (f32.mul (f32.add (local.get $c) (f32.const 1)) (local.get $g)))
    (if (i32.eqz (local.get $align)) (then (local.set $v (f32.sub (local.get $v) (f32.const 0.5)))))
    (if (local.get $border)
      (then
        (local.set $max (f32.convert_i32_s (i32.sub (local.get $size) (i32.const 1))))
        (if (i32.eqz (f32.gt (local.get $v) (f32.const 0)))
          (then (return (f32.const 0) (f32.const 0)))) ;; v ≤ 0 or NaN
        (if (f32.ge (local.get $v) (local.get $max)) (then (return (local.get $max) (f32.const 0))))
        (return (local.get $v) (local.get $g))))
    ;; 'zeros': a non-finite coordinate samples nothing (v − v is NaN for ±Inf and NaN)
    (if (f32.ne (f32.sub (local.get $v) (local.get $v)) (f32.const 0)) (then (return (f32.const nan) (f32.const 0))))
    (local.get $v) (local.get $g))

  ;; Byte address of pixel (px, py) of the group at $base, or $none when it lies outside the H × W image.
  ;; build: inline
  (func $corner (param $base i32) (param $px i32) (param $py i32) (param $W i32) (param $H i32) (param $C4 i32) (param $none i32) (result i32)
    (if (result i32) (i32.and (i32.lt_u (local.get $px) (local.get $W)) (i32.lt_u (local.get $py) (local.get $H)))
      (then (i32.add (local.get $base) (i32.mul (i32.add (i32.mul (local.get $py) (local.get $W)) (local.get $px)) (local.get $C4))))
      (else (local.get $none))))

  ;; The four bilinear weights (nw, ne, sw, se) of fractions tx, ty, each splat over 4 lanes.
  ;; build: inline
  (func $weights (param $tx f32) (param $ty f32) (result v128 v128 v128 v128)
    (f32x4.splat (f32.mul (f32.sub (f32.const 1) (local.get $tx)) (f32.sub (f32.const 1) (local.get $ty))))
    (f32x4.splat (f32.mul (local.get $tx) (f32.sub (f32.const 1) (local.get $ty))))
    (f32x4.splat (f32.mul (f32.sub (f32.const 1) (local.get $tx)) (local.get $ty)))
    (f32x4.splat (f32.mul (local.get $tx) (local.get $ty))))

  ;; Byte addresses of the corners nw, ne, sw, se of cell (x0, y0) of the group at $base; $none for a corner
  ;; outside the W × H image.
  ;; build: inline
  (func $corners (param $base i32) (param $x0 i32) (param $y0 i32) (param $W i32) (param $H i32) (param $C4 i32) (param $none i32)
    (result i32 i32 i32 i32)
    (call $corner (local.get $base) (local.get $x0) (local.get $y0) (local.get $W) (local.get $H) (local.get $C4) (local.get $none))
    (call $corner (local.get $base) (i32.add (local.get $x0) (i32.const 1)) (local.get $y0) (local.get $W) (local.get $H) (local.get $C4) (local.get $none))
    (call $corner (local.get $base) (local.get $x0) (i32.add (local.get $y0) (i32.const 1)) (local.get $W) (local.get $H) (local.get $C4) (local.get $none))
    (call $corner (local.get $base) (i32.add (local.get $x0) (i32.const 1)) (i32.add (local.get $y0) (i32.const 1)) (local.get $W) (local.get $H) (local.get $C4) (local.get $none)))

  ;; Forward: out [B, Ho, Wo, C] (zeroed by the caller) from x [B, H, W, C] and grid [B·G, Ho, Wo, 2].
  (func (export "forward") (param $job i32)
    (local $B i32) (local $H i32) (local $W i32) (local $C4 i32) (local $G i32) (local $P i32) (local $cg4 i32) (local $align i32) (local $border i32)
    (local $zero i32) (local $bg i32) (local $b i32) (local $base i32) (local $p i32) (local $gp i32) (local $o i32) (local $c i32)
    (local $ix f32) (local $iy f32) (local $unused f32) (local $fx f32) (local $fy f32) (local $x0 i32) (local $y0 i32)
    (local $tx f32) (local $ty f32) (local $nw i32) (local $ne i32) (local $sw i32) (local $se i32)
    (local $wnw v128) (local $wne v128) (local $wsw v128) (local $wse v128)
    (local.set $B (i32.load offset=20 (local.get $job)))
    (local.set $H (i32.load offset=24 (local.get $job)))
    (local.set $W (i32.load offset=28 (local.get $job)))
    (local.set $C4 (i32.shl (i32.load offset=32 (local.get $job)) (i32.const 2)))
    (local.set $G (i32.load offset=36 (local.get $job)))
    (local.set $P (i32.load offset=40 (local.get $job)))
    (local.set $align (i32.load offset=44 (local.get $job)))
    (local.set $border (i32.load offset=48 (local.get $job)))
    (local.set $zero (i32.load offset=52 (local.get $job)))
    (local.set $cg4 (i32.div_u (local.get $C4) (local.get $G)))
    (local.set $gp (i32.load offset=4 (local.get $job)))
    (local.set $bg (i32.const 0))
    (loop $groups
      (local.set $b (i32.div_u (local.get $bg) (local.get $G)))
      (local.set $base
        (i32.add (i32.load (local.get $job))
          (i32.add (i32.mul (i32.mul (i32.mul (local.get $b) (local.get $H)) (local.get $W)) (local.get $C4))
                   (i32.mul (i32.rem_u (local.get $bg) (local.get $G)) (local.get $cg4)))))
      (local.set $o
        (i32.add (i32.load offset=8 (local.get $job))
          (i32.add (i32.mul (i32.mul (local.get $b) (local.get $P)) (local.get $C4))
                   (i32.mul (i32.rem_u (local.get $bg) (local.get $G)) (local.get $cg4)))))
      (local.set $p (i32.const 0))
      (loop $points
        (call $source (f32.load (local.get $gp)) (local.get $W) (local.get $align) (local.get $border))
        (local.set $unused) (local.set $ix)
        (call $source (f32.load offset=4 (local.get $gp)) (local.get $H) (local.get $align) (local.get $border))
        (local.set $unused) (local.set $iy)
        (if (i32.and (f32.eq (local.get $ix) (local.get $ix)) (f32.eq (local.get $iy) (local.get $iy)))
          (then
            (local.set $fx (f32.floor (local.get $ix)))
            (local.set $fy (f32.floor (local.get $iy)))
            (local.set $x0 (i32.trunc_sat_f32_s (local.get $fx)))
            (local.set $y0 (i32.trunc_sat_f32_s (local.get $fy)))
            (local.set $tx (f32.sub (local.get $ix) (local.get $fx)))
            (local.set $ty (f32.sub (local.get $iy) (local.get $fy)))
            (call $weights (local.get $tx) (local.get $ty))
            (local.set $wse) (local.set $wsw) (local.set $wne) (local.set $wnw)
            (call $corners (local.get $base) (local.get $x0) (local.get $y0) (local.get $W) (local.get $H) (local.get $C4) (local.get $zero))
            (local.set $se) (local.set $sw) (local.set $ne) (local.set $nw)
            (local.set $c (i32.const 0))
            (loop $channels
              (v128.store (i32.add (local.get $o) (local.get $c))
                (f32x4.add
                  (f32x4.add (f32x4.mul (local.get $wnw) (v128.load (i32.add (local.get $nw) (local.get $c))))
                             (f32x4.mul (local.get $wne) (v128.load (i32.add (local.get $ne) (local.get $c)))))
                  (f32x4.add (f32x4.mul (local.get $wsw) (v128.load (i32.add (local.get $sw) (local.get $c))))
                             (f32x4.mul (local.get $wse) (v128.load (i32.add (local.get $se) (local.get $c)))))))
              (local.set $c (i32.add (local.get $c) (i32.const 16)))
              (br_if $channels (i32.lt_u (local.get $c) (local.get $cg4))))))
        (local.set $gp (i32.add (local.get $gp) (i32.const 8)))
        (local.set $o (i32.add (local.get $o) (local.get $C4)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br_if $points (i32.lt_u (local.get $p) (local.get $P))))
      (local.set $bg (i32.add (local.get $bg) (i32.const 1)))
      (br_if $groups (i32.lt_u (local.get $bg) (i32.mul (local.get $B) (local.get $G))))))

  ;; Sum of the 4 lanes.
  ;; build: inline
  (func $hsum (param $v v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  ;; Backward: accumulates dx [B, H, W, C] and writes dgrid [B·G, Ho, Wo, 2] (both zeroed by the caller) from
  ;; dy [B, Ho, Wo, C], x and grid.
  (func (export "backward") (param $job i32)
    (local $B i32) (local $H i32) (local $W i32) (local $C4 i32) (local $G i32) (local $P i32) (local $cg4 i32) (local $align i32) (local $border i32)
    (local $zero i32) (local $sink i32) (local $bg i32) (local $b i32) (local $base i32) (local $dbase i32) (local $p i32) (local $gp i32) (local $dgp i32)
    (local $o i32) (local $c i32)
    (local $ix f32) (local $iy f32) (local $gmx f32) (local $gmy f32) (local $fx f32) (local $fy f32) (local $x0 i32) (local $y0 i32)
    (local $tx f32) (local $ty f32) (local $nw i32) (local $ne i32) (local $sw i32) (local $se i32)
    (local $dnw i32) (local $dne i32) (local $dsw i32) (local $dse i32)
    (local $wnw v128) (local $wne v128) (local $wsw v128) (local $wse v128) (local $g v128)
    (local $anw v128) (local $ane v128) (local $asw v128) (local $ase v128)
    (local $snw f32) (local $sne f32) (local $ssw f32) (local $sse f32)
    (local.set $B (i32.load offset=20 (local.get $job)))
    (local.set $H (i32.load offset=24 (local.get $job)))
    (local.set $W (i32.load offset=28 (local.get $job)))
    (local.set $C4 (i32.shl (i32.load offset=32 (local.get $job)) (i32.const 2)))
    (local.set $G (i32.load offset=36 (local.get $job)))
    (local.set $P (i32.load offset=40 (local.get $job)))
    (local.set $align (i32.load offset=44 (local.get $job)))
    (local.set $border (i32.load offset=48 (local.get $job)))
    (local.set $zero (i32.load offset=52 (local.get $job)))
    (local.set $sink (i32.load offset=56 (local.get $job)))
    (local.set $cg4 (i32.div_u (local.get $C4) (local.get $G)))
    (local.set $gp (i32.load offset=4 (local.get $job)))
    (local.set $dgp (i32.load offset=16 (local.get $job)))
    (local.set $bg (i32.const 0))
    (loop $groups
      (local.set $b (i32.div_u (local.get $bg) (local.get $G)))
      (local.set $base
        (i32.add (i32.mul (i32.mul (i32.mul (local.get $b) (local.get $H)) (local.get $W)) (local.get $C4))
                 (i32.mul (i32.rem_u (local.get $bg) (local.get $G)) (local.get $cg4))))
      (local.set $dbase (i32.add (i32.load offset=12 (local.get $job)) (local.get $base)))
      (local.set $base (i32.add (i32.load (local.get $job)) (local.get $base)))
      (local.set $o
        (i32.add (i32.load offset=8 (local.get $job))
          (i32.add (i32.mul (i32.mul (local.get $b) (local.get $P)) (local.get $C4))
                   (i32.mul (i32.rem_u (local.get $bg) (local.get $G)) (local.get $cg4)))))
      (local.set $p (i32.const 0))
      (loop $points
        (call $source (f32.load (local.get $gp)) (local.get $W) (local.get $align) (local.get $border))
        (local.set $gmx) (local.set $ix)
        (call $source (f32.load offset=4 (local.get $gp)) (local.get $H) (local.get $align) (local.get $border))
        (local.set $gmy) (local.set $iy)
        (if (i32.and (f32.eq (local.get $ix) (local.get $ix)) (f32.eq (local.get $iy) (local.get $iy)))
          (then
            (local.set $fx (f32.floor (local.get $ix)))
            (local.set $fy (f32.floor (local.get $iy)))
            (local.set $x0 (i32.trunc_sat_f32_s (local.get $fx)))
            (local.set $y0 (i32.trunc_sat_f32_s (local.get $fy)))
            (local.set $tx (f32.sub (local.get $ix) (local.get $fx)))
            (local.set $ty (f32.sub (local.get $iy) (local.get $fy)))
            (call $weights (local.get $tx) (local.get $ty))
            (local.set $wse) (local.set $wsw) (local.set $wne) (local.set $wnw)
            (call $corners (local.get $base) (local.get $x0) (local.get $y0) (local.get $W) (local.get $H) (local.get $C4) (local.get $zero))
            (local.set $se) (local.set $sw) (local.set $ne) (local.set $nw)
            (call $corners (local.get $dbase) (local.get $x0) (local.get $y0) (local.get $W) (local.get $H) (local.get $C4) (local.get $sink))
            (local.set $dse) (local.set $dsw) (local.set $dne) (local.set $dnw)
            (local.set $anw (v128.const i32x4 0 0 0 0)) (local.set $ane (v128.const i32x4 0 0 0 0))
            (local.set $asw (v128.const i32x4 0 0 0 0)) (local.set $ase (v128.const i32x4 0 0 0 0))
            (local.set $c (i32.const 0))
            (loop $channels
              (local.set $g (v128.load (i32.add (local.get $o) (local.get $c))))
              (v128.store (i32.add (local.get $dnw) (local.get $c))
                (f32x4.add (v128.load (i32.add (local.get $dnw) (local.get $c))) (f32x4.mul (local.get $wnw) (local.get $g))))
              (v128.store (i32.add (local.get $dne) (local.get $c))
                (f32x4.add (v128.load (i32.add (local.get $dne) (local.get $c))) (f32x4.mul (local.get $wne) (local.get $g))))
              (v128.store (i32.add (local.get $dsw) (local.get $c))
                (f32x4.add (v128.load (i32.add (local.get $dsw) (local.get $c))) (f32x4.mul (local.get $wsw) (local.get $g))))
              (v128.store (i32.add (local.get $dse) (local.get $c))
                (f32x4.add (v128.load (i32.add (local.get $dse) (local.get $c))) (f32x4.mul (local.get $wse) (local.get $g))))
              (local.set $anw (f32x4.add (local.get $anw) (f32x4.mul (v128.load (i32.add (local.get $nw) (local.get $c))) (local.get $g))))
              (local.set $ane (f32x4.add (local.get $ane) (f32x4.mul (v128.load (i32.add (local.get $ne) (local.get $c))) (local.get $g))))
              (local.set $asw (f32x4.add (local.get $asw) (f32x4.mul (v128.load (i32.add (local.get $sw) (local.get $c))) (local.get $g))))
              (local.set $ase (f32x4.add (local.get $ase) (f32x4.mul (v128.load (i32.add (local.get $se) (local.get $c))) (local.get $g))))
              (local.set $c (i32.add (local.get $c) (i32.const 16)))
              (br_if $channels (i32.lt_u (local.get $c) (local.get $cg4))))
            (local.set $snw (call $hsum (local.get $anw)))
            (local.set $sne (call $hsum (local.get $ane)))
            (local.set $ssw (call $hsum (local.get $asw)))
            (local.set $sse (call $hsum (local.get $ase)))
            (f32.store (local.get $dgp)
              (f32.mul
                (f32.add (f32.mul (f32.sub (f32.const 1) (local.get $ty)) (f32.sub (local.get $sne) (local.get $snw)))
                         (f32.mul (local.get $ty) (f32.sub (local.get $sse) (local.get $ssw))))
                (local.get $gmx)))
            (f32.store offset=4 (local.get $dgp)
              (f32.mul
                (f32.add (f32.mul (f32.sub (f32.const 1) (local.get $tx)) (f32.sub (local.get $ssw) (local.get $snw)))
                         (f32.mul (local.get $tx) (f32.sub (local.get $sse) (local.get $sne))))
                (local.get $gmy)))))
        (local.set $gp (i32.add (local.get $gp) (i32.const 8)))
        (local.set $dgp (i32.add (local.get $dgp) (i32.const 8)))
        (local.set $o (i32.add (local.get $o) (local.get $C4)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br_if $points (i32.lt_u (local.get $p) (local.get $P))))
      (local.set $bg (i32.add (local.get $bg) (i32.const 1)))
      (br_if $groups (i32.lt_u (local.get $bg) (i32.mul (local.get $B) (local.get $G))))))
)
