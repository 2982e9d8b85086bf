;; Porter–Duff "over" kernels for media/composite-simd.ts, in WebAssembly SIMD (128-bit).
;; The JavaScript side copies pixels into this module's memory a chunk at a time (a few hundred KB, so
;; they stay in cache), runs a kernel and copies the result out. Rebuild composite.wasm.ts after an
;; edit: `npm run build:wasm`.
(module
  (memory (export "memory") 4)

  ;; round(x / 255) for x in [0, 65025] in each u16 lane: (t + (t >> 8)) >> 8 with t = x + 128.
  (func $div255 (param $x v128) (result v128)
    (local $t v128)
    (local.set $t (i16x8.add (local.get $x) (v128.const i16x8 128 128 128 128 128 128 128 128)))
    (i16x8.shr_u (i16x8.add (local.get $t) (i16x8.shr_u (local.get $t) (i32.const 8))) (i32.const 8)))

  ;; 16 bytes of RGB output: colour c and alpha a (bytes lined up with bg's) over background bytes b.
  ;; Alpha is first scaled by the opacity $op (0..255, in every u16 lane).
  (func $blend16 (param $c v128) (param $a v128) (param $b v128) (param $op v128) (result v128)
    (local $aL v128) (local $aH v128)
    (local.set $aL (call $div255 (i16x8.mul (i16x8.extend_low_i8x16_u (local.get $a)) (local.get $op))))
    (local.set $aH (call $div255 (i16x8.mul (i16x8.extend_high_i8x16_u (local.get $a)) (local.get $op))))
    (i8x16.narrow_i16x8_u
      (call $div255
        (i16x8.add
          (i16x8.mul (i16x8.extend_low_i8x16_u (local.get $c)) (local.get $aL))
          (i16x8.mul (i16x8.extend_low_i8x16_u (local.get $b))
            (i16x8.sub (v128.const i16x8 255 255 255 255 255 255 255 255) (local.get $aL)))))
      (call $div255
        (i16x8.add
          (i16x8.mul (i16x8.extend_high_i8x16_u (local.get $c)) (local.get $aH))
          (i16x8.mul (i16x8.extend_high_i8x16_u (local.get $b))
            (i16x8.sub (v128.const i16x8 255 255 255 255 255 255 255 255) (local.get $aH)))))))

  ;; $n pixels of straight RGBA bytes at $fg over RGB bytes at $bg, written as RGB bytes at $out ($out may
  ;; be $bg). $op: opacity in 0..255. 16 pixels per step: each 16-byte RGB vector gathers its colour and
  ;; alpha bytes from two of the four RGBA vectors with swizzles (lanes swizzled from index 128 read 0).
  (func (export "overU8") (param $out i32) (param $bg i32) (param $fg i32) (param $n i32) (param $op i32)
    (local $ops v128) (local $f0 v128) (local $f1 v128) (local $f2 v128) (local $f3 v128)
    (local $a i32) (local $k i32)
    (local.set $ops (i16x8.splat (local.get $op)))
    (block $done
      (loop $block
        (br_if $done (i32.lt_u (local.get $n) (i32.const 16)))
        (local.set $f0 (v128.load (local.get $fg)))
        (local.set $f1 (v128.load offset=16 (local.get $fg)))
        (local.set $f2 (v128.load offset=32 (local.get $fg)))
        (local.set $f3 (v128.load offset=48 (local.get $fg)))
        (v128.store (local.get $out)
          (call $blend16
            (v128.or
              (i8x16.swizzle (local.get $f0) (v128.const i8x16 0 1 2 4 5 6 8 9 10 12 13 14 128 128 128 128))
              (i8x16.swizzle (local.get $f1) (v128.const i8x16 128 128 128 128 128 128 128 128 128 128 128 128 0 1 2 4)))
            (v128.or
              (i8x16.swizzle (local.get $f0) (v128.const i8x16 3 3 3 7 7 7 11 11 11 15 15 15 128 128 128 128))
              (i8x16.swizzle (local.get $f1) (v128.const i8x16 128 128 128 128 128 128 128 128 128 128 128 128 3 3 3 7)))
            (v128.load (local.get $bg))
            (local.get $ops)))
        (v128.store offset=16 (local.get $out)
          (call $blend16
            (v128.or
              (i8x16.swizzle (local.get $f1) (v128.const i8x16 5 6 8 9 10 12 13 14 128 128 128 128 128 128 128 128))
              (i8x16.swizzle (local.get $f2) (v128.const i8x16 128 128 128 128 128 128 128 128 0 1 2 4 5 6 8 9)))
            (v128.or
              (i8x16.swizzle (local.get $f1) (v128.const i8x16 7 7 11 11 11 15 15 15 128 128 128 128 128 128 128 128))
              (i8x16.swizzle (local.get $f2) (v128.const i8x16 128 128 128 128 128 128 128 128 3 3 3 7 7 7 11 11)))
            (v128.load offset=16 (local.get $bg))
            (local.get $ops)))
        (v128.store offset=32 (local.get $out)
          (call $blend16
            (v128.or
              (i8x16.swizzle (local.get $f2) (v128.const i8x16 10 12 13 14 128 128 128 128 128 128 128 128 128 128 128 128))
              (i8x16.swizzle (local.get $f3) (v128.const i8x16 128 128 128 128 0 1 2 4 5 6 8 9 10 12 13 14)))
            (v128.or
              (i8x16.swizzle (local.get $f2) (v128.const i8x16 11 15 15 15 128 128 128 128 128 128 128 128 128 128 128 128))
              (i8x16.swizzle (local.get $f3) (v128.const i8x16 128 128 128 128 3 3 3 7 7 7 11 11 11 15 15 15)))
            (v128.load offset=32 (local.get $bg))
            (local.get $ops)))
        (local.set $out (i32.add (local.get $out) (i32.const 48)))
        (local.set $bg (i32.add (local.get $bg) (i32.const 48)))
        (local.set $fg (i32.add (local.get $fg) (i32.const 64)))
        (local.set $n (i32.sub (local.get $n) (i32.const 16)))
        (br $block)))
    ;; the last n % 16 pixels one by one, with the same rounding
    (block $end
      (loop $pixel
        (br_if $end (i32.eqz (local.get $n)))
        (local.set $a (call $div255s (i32.mul (i32.load8_u offset=3 (local.get $fg)) (local.get $op))))
        (local.set $k (i32.const 0))
        (block $channels
          (loop $channel
            (br_if $channels (i32.eq (local.get $k) (i32.const 3)))
            (i32.store8 (i32.add (local.get $out) (local.get $k))
              (call $div255s
                (i32.add
                  (i32.mul (i32.load8_u (i32.add (local.get $fg) (local.get $k))) (local.get $a))
                  (i32.mul (i32.load8_u (i32.add (local.get $bg) (local.get $k)))
                    (i32.sub (i32.const 255) (local.get $a))))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $channel)))
        (local.set $out (i32.add (local.get $out) (i32.const 3)))
        (local.set $bg (i32.add (local.get $bg) (i32.const 3)))
        (local.set $fg (i32.add (local.get $fg) (i32.const 4)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $pixel))))

  (func $div255s (param $x i32) (result i32)
    (local $t i32)
    (local.set $t (i32.add (local.get $x) (i32.const 128)))
    (i32.shr_u (i32.add (local.get $t) (i32.shr_u (local.get $t) (i32.const 8))) (i32.const 8)))

  ;; $n alpha values at $dst (float32): the source's mean of 3 channels when $mean3, else its first
  ;; channel, every $stride bytes ($stride 0: one constant), times $opacity. Four a step for the layouts
  ;; the Composite node meets (an RGB matte: stride 12 with $mean3; RGBA fg's own alpha: stride 16).
  (func (export "alphaF32") (param $dst i32) (param $src i32) (param $stride i32) (param $mean3 i32) (param $n i32)
    (param $opacity f32)
    (local $m0 v128) (local $m1 v128) (local $m2 v128) (local $ops v128)
    (local.set $ops (f32x4.splat (local.get $opacity)))
    (block $done
      (loop $quad
        (br_if $done (i32.lt_u (local.get $n) (i32.const 4)))
        (local.set $m0 (v128.load (local.get $src)))
        (local.set $m1 (v128.load offset=16 (local.get $src)))
        (local.set $m2 (v128.load offset=32 (local.get $src)))
        (if (i32.and (local.get $mean3) (i32.eq (local.get $stride) (i32.const 12)))
          (then
            ;; (r0 g0 b0 r1) (g1 b1 r2 g2) (b2 r3 g3 b3) → the sums r + g + b of the four pixels
            (v128.store (local.get $dst)
              (f32x4.mul
                (f32x4.div
                  (f32x4.add
                    (f32x4.add
                      (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 20 21 22 23
                        (i8x16.shuffle 0 1 2 3 12 13 14 15 24 25 26 27 0 1 2 3 (local.get $m0) (local.get $m1))
                        (local.get $m2))
                      (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 24 25 26 27
                        (i8x16.shuffle 4 5 6 7 16 17 18 19 28 29 30 31 0 1 2 3 (local.get $m0) (local.get $m1))
                        (local.get $m2)))
                    (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 28 29 30 31
                      (i8x16.shuffle 8 9 10 11 20 21 22 23 0 1 2 3 0 1 2 3 (local.get $m0) (local.get $m1))
                      (local.get $m2)))
                  (v128.const f32x4 3 3 3 3))
                (local.get $ops))))
          (else
            (if (i32.and (i32.eqz (local.get $mean3)) (i32.eq (local.get $stride) (i32.const 16)))
              (then
                ;; the first channel of four 16-byte pixels
                (v128.store (local.get $dst)
                  (f32x4.mul
                    (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
                      (i8x16.shuffle 0 1 2 3 16 17 18 19 0 1 2 3 0 1 2 3 (local.get $m0) (local.get $m1))
                      (i8x16.shuffle 0 1 2 3 16 17 18 19 0 1 2 3 0 1 2 3 (local.get $m2)
                        (v128.load offset=48 (local.get $src))))
                    (local.get $ops))))
              (else (br $done)))))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (local.set $src (i32.add (local.get $src) (i32.shl (local.get $stride) (i32.const 2))))
        (local.set $n (i32.sub (local.get $n) (i32.const 4)))
        (br $quad)))
    ;; the rest (and other layouts) one at a time
    (block $end
      (loop $pixel
        (br_if $end (i32.eqz (local.get $n)))
        (f32.store (local.get $dst)
          (f32.mul
            (if (result f32) (local.get $mean3)
              (then
                (f32.div
                  (f32.add (f32.add (f32.load (local.get $src)) (f32.load offset=4 (local.get $src)))
                    (f32.load offset=8 (local.get $src)))
                  (f32.const 3)))
              (else (f32.load (local.get $src))))
            (local.get $opacity)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
        (local.set $src (i32.add (local.get $src) (local.get $stride)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $pixel))))

  ;; $n pixels of fg (float32 RGB or RGBA: $fgStride 12 or 16 bytes a pixel) over the float32 RGB canvas
  ;; at $out, in place, with the alpha plane at $alpha. Colour is scaled by alpha (straight) or by $k
  ;; (premultiplied: $premult 1, $k = opacity). Four pixels a step as three f32x4 of canvas (r0 g0 b0 r1,
  ;; g1 b1 r2 g2, b2 r3 g3 b3), the alphas and fg colours shuffled to line up with them: one pixel a step
  ;; would store 16 bytes that the next step's load overlaps, a store-forwarding stall per pixel.
  (func (export "overF32") (param $out i32) (param $fg i32) (param $fgStride i32) (param $alpha i32) (param $n i32)
    (param $k f32) (param $premult i32)
    (local $ks v128) (local $a v128) (local $a0 v128) (local $a1 v128) (local $a2 v128)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $f1 v128) (local $f2 v128)
    (local.set $ks (f32x4.splat (local.get $k)))
    (block $done
      (loop $quad
        (br_if $done (i32.lt_u (local.get $n) (i32.const 4)))
        (local.set $a (v128.load (local.get $alpha)))
        (local.set $a0 (i8x16.shuffle 0 1 2 3 0 1 2 3 0 1 2 3 4 5 6 7 (local.get $a) (local.get $a)))
        (local.set $a1 (i8x16.shuffle 4 5 6 7 4 5 6 7 8 9 10 11 8 9 10 11 (local.get $a) (local.get $a)))
        (local.set $a2 (i8x16.shuffle 8 9 10 11 12 13 14 15 12 13 14 15 12 13 14 15 (local.get $a) (local.get $a)))
        (if (i32.eq (local.get $fgStride) (i32.const 16))
          (then
            (local.set $f1 (v128.load offset=16 (local.get $fg)))
            (local.set $f2 (v128.load offset=32 (local.get $fg)))
            (local.set $c0 (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 16 17 18 19 (v128.load (local.get $fg)) (local.get $f1)))
            (local.set $c1 (i8x16.shuffle 4 5 6 7 8 9 10 11 16 17 18 19 20 21 22 23 (local.get $f1) (local.get $f2)))
            (local.set $c2 (i8x16.shuffle 8 9 10 11 16 17 18 19 20 21 22 23 24 25 26 27 (local.get $f2)
              (v128.load offset=48 (local.get $fg)))))
          (else
            (local.set $c0 (v128.load (local.get $fg)))
            (local.set $c1 (v128.load offset=16 (local.get $fg)))
            (local.set $c2 (v128.load offset=32 (local.get $fg)))))
        (v128.store (local.get $out) (call $overQuad (local.get $c0) (local.get $a0) (v128.load (local.get $out))
          (local.get $ks) (local.get $premult)))
        (v128.store offset=16 (local.get $out) (call $overQuad (local.get $c1) (local.get $a1)
          (v128.load offset=16 (local.get $out)) (local.get $ks) (local.get $premult)))
        (v128.store offset=32 (local.get $out) (call $overQuad (local.get $c2) (local.get $a2)
          (v128.load offset=32 (local.get $out)) (local.get $ks) (local.get $premult)))
        (local.set $out (i32.add (local.get $out) (i32.const 48)))
        (local.set $fg (i32.add (local.get $fg) (i32.shl (local.get $fgStride) (i32.const 2))))
        (local.set $alpha (i32.add (local.get $alpha) (i32.const 16)))
        (local.set $n (i32.sub (local.get $n) (i32.const 4)))
        (br $quad)))
    ;; the last n % 4 pixels one at a time: lane 3 (the next pixel's r, or the slack after the chunk) is
    ;; put back from the canvas before the store
    (block $end
      (loop $pixel
        (br_if $end (i32.eqz (local.get $n)))
        (local.set $c0 (v128.load (local.get $out)))
        (v128.store (local.get $out)
          (v128.bitselect
            (call $overQuad (v128.load (local.get $fg)) (v128.load32_splat (local.get $alpha)) (local.get $c0)
              (local.get $ks) (local.get $premult))
            (local.get $c0)
            (v128.const i32x4 -1 -1 -1 0)))
        (local.set $out (i32.add (local.get $out) (i32.const 12)))
        (local.set $fg (i32.add (local.get $fg) (local.get $fgStride)))
        (local.set $alpha (i32.add (local.get $alpha) (i32.const 4)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $pixel))))

  ;; Four channel values: colour c over canvas b with alphas a; colour scaled by a, or by k when premultiplied.
  (func $overQuad (param $c v128) (param $a v128) (param $b v128) (param $k v128) (param $premult i32) (result v128)
    (f32x4.add
      (f32x4.mul (local.get $c) (select (result v128) (local.get $k) (local.get $a) (local.get $premult)))
      (f32x4.mul (local.get $b) (f32x4.sub (v128.const f32x4 1 1 1 1) (local.get $a)))))
)
