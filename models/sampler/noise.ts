/** Seeded standard-normal noise: xoshiro128** seeded through splitmix32, Box–Muller transform. */

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** xoshiro128**: a uniform 32-bit generator; returns floats in (0, 1] via next(). */
export function xoshiro128ss(seed: number): () => number {
  const init = splitmix32(seed);
  let a = init();
  let b = init();
  let c = init();
  let d = init();
  return () => {
    const r = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return (r + 1) / 4294967296; // (0, 1]: log() in Box–Muller never sees 0
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** A deterministic standard-normal source for `seed`: each call returns the next `length` draws. */
export function gaussianNoise(seed: number): (length: number) => Float32Array {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
  // fold the high bits in so seeds above 2^32 still differ
  const uniform = xoshiro128ss((seed ^ Math.floor(seed / 4294967296)) >>> 0);
  let spare: number | null = null;
  const next = (): number => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const r = Math.sqrt(-2 * Math.log(uniform()));
    const theta = 2 * Math.PI * uniform();
    spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  };
  return (length: number) => {
    const out = new Float32Array(length);
    for (let i = 0; i < length; i++) out[i] = next();
    return out;
  };
}
