;; Inner loops of the 16-bit code-map scorer (score-codes.ts): the per-pixel passes, in WebAssembly because V8's
;; JavaScript spends about twice as long on them. Compiled by scripts/build-wasm.mjs into score-codes-wasm.ts.
(module
  (memory (export "memory") 1)

  ;; Counts every code of rows 0 … H−2 (the caller counts the last row) and, for the kept positions (the pixel, its
  ;; right and lower neighbours all valid: code − first ≤ span unsigned), the difference vector (dx, dy) in a 256 × 256
  ;; u32 table at $grid while |dx|, |dy| < 128, else dx² + dy² as f64 appended at $large. $d: the u16 codes,
  ;; $counts: 65536 u32, both tables zeroed by the caller. Returns how many squares were appended.
  (func (export "count") (param $d i32) (param $width i32) (param $height i32) (param $first i32) (param $span i32)
      (param $counts i32) (param $grid i32) (param $large i32) (result i32)
    (local $y i32) (local $i i32) (local $end i32) (local $c i32) (local $r i32) (local $b i32) (local $dx i32) (local $dy i32)
    (local $n i32) (local $a i32) (local $rowBytes i32)
    (local.set $rowBytes (i32.shl (local.get $width) (i32.const 1)))
    (block $doneRows
      (loop $rows
        (br_if $doneRows (i32.ge_u (i32.add (local.get $y) (i32.const 1)) (local.get $height)))
        (local.set $a (i32.add (local.get $d) (i32.mul (local.get $y) (local.get $rowBytes))))   ;; address of pixel
        (local.set $end (i32.add (local.get $a) (i32.sub (local.get $rowBytes) (i32.const 2))))
        (local.set $r (i32.load16_u (local.get $a)))
        (block $doneCols
          (loop $cols
            (br_if $doneCols (i32.ge_u (local.get $a) (local.get $end)))
            (local.set $c (local.get $r))
            (local.set $r (i32.load16_u offset=2 (local.get $a)))
            ;; counts[c]++
            (i32.store (i32.add (local.get $counts) (i32.shl (local.get $c) (i32.const 2)))
              (i32.add (i32.load (i32.add (local.get $counts) (i32.shl (local.get $c) (i32.const 2)))) (i32.const 1)))
            (block $skip
              (br_if $skip (i32.gt_u (i32.sub (local.get $c) (local.get $first)) (local.get $span)))
              (br_if $skip (i32.gt_u (i32.sub (local.get $r) (local.get $first)) (local.get $span)))
              (local.set $b (i32.load16_u (i32.add (local.get $a) (local.get $rowBytes))))
              (br_if $skip (i32.gt_u (i32.sub (local.get $b) (local.get $first)) (local.get $span)))
              (local.set $dx (i32.add (i32.sub (local.get $r) (local.get $c)) (i32.const 128)))
              (local.set $dy (i32.add (i32.sub (local.get $b) (local.get $c)) (i32.const 128)))
              (if (i32.lt_u (i32.or (local.get $dx) (local.get $dy)) (i32.const 256))
                (then
                  (local.set $dx (i32.add (local.get $grid) (i32.shl (i32.or (i32.shl (local.get $dy) (i32.const 8)) (local.get $dx)) (i32.const 2))))
                  (i32.store (local.get $dx) (i32.add (i32.load (local.get $dx)) (i32.const 1))))
                (else
                  (local.set $dx (i32.sub (local.get $dx) (i32.const 128)))
                  (local.set $dy (i32.sub (local.get $dy) (i32.const 128)))
                  (f64.store (i32.add (local.get $large) (i32.shl (local.get $n) (i32.const 3)))
                    (f64.add
                      (f64.mul (f64.convert_i32_s (local.get $dx)) (f64.convert_i32_s (local.get $dx)))
                      (f64.mul (f64.convert_i32_s (local.get $dy)) (f64.convert_i32_s (local.get $dy)))))
                  (local.set $n (i32.add (local.get $n) (i32.const 1))))))
            (local.set $a (i32.add (local.get $a) (i32.const 2)))
            (br $cols)))
        ;; last column
        (i32.store (i32.add (local.get $counts) (i32.shl (local.get $r) (i32.const 2)))
          (i32.add (i32.load (i32.add (local.get $counts) (i32.shl (local.get $r) (i32.const 2)))) (i32.const 1)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $rows)))
    (local.get $n))

  ;; The tie-group pass: for kept positions whose dx² + dy² equals $sA or $sB, the float64 magnitude
  ;; √((D[i,j+1] − D[i,j])² + (D[i+1,j] − D[i,j])²) with D = code / $scale (the division JavaScript does), appended
  ;; at $out. Returns how many.
  (func (export "gather") (param $d i32) (param $width i32) (param $height i32) (param $first i32) (param $span i32)
      (param $scale f64) (param $sA f64) (param $sB f64) (param $out i32) (result i32)
    (local $y i32) (local $a i32) (local $end i32) (local $c i32) (local $r i32) (local $b i32) (local $n i32)
    (local $rowBytes i32) (local $dx f64) (local $dy f64) (local $s f64) (local $dc f64)
    (local.set $rowBytes (i32.shl (local.get $width) (i32.const 1)))
    (block $doneRows
      (loop $rows
        (br_if $doneRows (i32.ge_u (i32.add (local.get $y) (i32.const 1)) (local.get $height)))
        (local.set $a (i32.add (local.get $d) (i32.mul (local.get $y) (local.get $rowBytes))))
        (local.set $end (i32.add (local.get $a) (i32.sub (local.get $rowBytes) (i32.const 2))))
        (local.set $r (i32.load16_u (local.get $a)))
        (block $doneCols
          (loop $cols
            (br_if $doneCols (i32.ge_u (local.get $a) (local.get $end)))
            (local.set $c (local.get $r))
            (local.set $r (i32.load16_u offset=2 (local.get $a)))
            (block $skip
              (br_if $skip (i32.gt_u (i32.sub (local.get $c) (local.get $first)) (local.get $span)))
              (br_if $skip (i32.gt_u (i32.sub (local.get $r) (local.get $first)) (local.get $span)))
              (local.set $b (i32.load16_u (i32.add (local.get $a) (local.get $rowBytes))))
              (br_if $skip (i32.gt_u (i32.sub (local.get $b) (local.get $first)) (local.get $span)))
              (local.set $dx (f64.convert_i32_s (i32.sub (local.get $r) (local.get $c))))
              (local.set $dy (f64.convert_i32_s (i32.sub (local.get $b) (local.get $c))))
              (local.set $s (f64.add (f64.mul (local.get $dx) (local.get $dx)) (f64.mul (local.get $dy) (local.get $dy))))
              (br_if $skip (i32.eqz (i32.or (f64.eq (local.get $s) (local.get $sA)) (f64.eq (local.get $s) (local.get $sB)))))
              (local.set $dc (f64.div (f64.convert_i32_u (local.get $c)) (local.get $scale)))
              (local.set $dx (f64.sub (f64.div (f64.convert_i32_u (local.get $r)) (local.get $scale)) (local.get $dc)))
              (local.set $dy (f64.sub (f64.div (f64.convert_i32_u (local.get $b)) (local.get $scale)) (local.get $dc)))
              (f64.store (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 3)))
                (f64.sqrt (f64.add (f64.mul (local.get $dx) (local.get $dx)) (f64.mul (local.get $dy) (local.get $dy)))))
              (local.set $n (i32.add (local.get $n) (i32.const 1))))
            (local.set $a (i32.add (local.get $a) (i32.const 2)))
            (br $cols)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $rows)))
    (local.get $n))
)
