;; float16 kernels for models/session/half-simd.ts, in WebAssembly SIMD (128-bit): weights are read from
;; their file straight into this module's memory, converted in place, and written out from there, so an
;; import touches each byte once in JavaScript's place. Memory: a 65 536-entry bfloat16 → float16 table at
;; byte 0 (filled by the JavaScript side), then the values. Rebuild half.wasm.ts after an edit:
;; `npm run build:wasm`.
(module
  (memory (export "memory") 3)

  ;; Element $i at $p through the table.
  (func $lookup (param $p i32) (param $i i32)
    (local $addr i32)
    (local.set $addr (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 1))))
    (i32.store16 (local.get $addr) (i32.load16_u (i32.shl (i32.load16_u (local.get $addr)) (i32.const 1)))))

  ;; $n bfloat16 values at $p → float16 bits in place, as the table gives them (round to nearest even).
  ;; Eight lanes per step: a bfloat16
  ;; whose exponent float16's normal range holds is rebiased and shifted, one below 2^-25 becomes a signed
  ;; zero; a step with any other lane (float16 subnormals, overflow, inf, NaN) goes through the table.
  (func (export "bf16ToHalf") (param $p i32) (param $n i32)
    (local $i i32) (local $end i32) (local $addr i32) (local $j i32)
    (local $v v128) (local $a v128) (local $fast v128)
    (local.set $end (i32.and (local.get $n) (i32.const -8)))
    (block $done
      (loop $step
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $addr (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 1))))
        (local.set $v (v128.load (local.get $addr)))
        (local.set $a (v128.and (local.get $v) (v128.const i16x8 0x7fff 0x7fff 0x7fff 0x7fff 0x7fff 0x7fff 0x7fff 0x7fff)))
        ;; exponent 113..142: bits [0x3880, 0x4780)
        (local.set $fast
          (v128.and
            (i16x8.ge_u (local.get $a) (v128.const i16x8 0x3880 0x3880 0x3880 0x3880 0x3880 0x3880 0x3880 0x3880))
            (i16x8.lt_u (local.get $a) (v128.const i16x8 0x4780 0x4780 0x4780 0x4780 0x4780 0x4780 0x4780 0x4780))))
        (if
          (i16x8.all_true
            (v128.or
              (local.get $fast)
              ;; exponent ≤ 101: below half of float16's smallest subnormal
              (i16x8.lt_u (local.get $a) (v128.const i16x8 0x3300 0x3300 0x3300 0x3300 0x3300 0x3300 0x3300 0x3300))))
          (then
            (v128.store (local.get $addr)
              (v128.or
                (v128.and (local.get $v) (v128.const i16x8 0x8000 0x8000 0x8000 0x8000 0x8000 0x8000 0x8000 0x8000))
                (v128.and
                  (local.get $fast)
                  (i16x8.shl
                    (i16x8.sub (local.get $a) (v128.const i16x8 0x3800 0x3800 0x3800 0x3800 0x3800 0x3800 0x3800 0x3800))
                    (i32.const 3))))))
          (else
            (local.set $j (local.get $i))
            (loop $lane
              (call $lookup (local.get $p) (local.get $j))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br_if $lane (i32.lt_u (local.get $j) (i32.add (local.get $i) (i32.const 8)))))))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (br $step)))
    (block $tail
      (loop $rest
        (br_if $tail (i32.ge_u (local.get $i) (local.get $n)))
        (call $lookup (local.get $p) (local.get $i))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rest))))

  ;; Index of the first of $n float16 values at $p that is not finite (exponent bits all set), or -1.
  (func (export "firstNonFinite") (param $p i32) (param $n i32) (result i32)
    (local $i i32) (local $end i32)
    (local.set $end (i32.and (local.get $n) (i32.const -8)))
    (block $found
      (loop $step
        (br_if $found (i32.ge_u (local.get $i) (local.get $end)))
        (br_if $found
          (v128.any_true
            (i16x8.eq
              (v128.and
                (v128.load (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 1))))
                (v128.const i16x8 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00))
              (v128.const i16x8 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00))))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (br $step)))
    ;; the step that has one, or the tail
    (block $none
      (loop $one
        (br_if $none (i32.ge_u (local.get $i) (local.get $n)))
        (if
          (i32.eq
            (i32.and
              (i32.load16_u (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 1))))
              (i32.const 0x7c00))
            (i32.const 0x7c00))
          (then (return (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $one)))
    (i32.const -1)))
