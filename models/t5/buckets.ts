/**
 * T5's bidirectional relative-position buckets for every (query i, key j) of an L-token sequence
 * (transformers T5Attention._relative_position_bucket with relative position j − i): half the buckets
 * for keys after the query; within a half, exact buckets below num_buckets/4, logarithmic ones up to
 * max_distance. The log part is computed in float32 as PyTorch does, since its truncation decides
 * boundary buckets.
 */
export function relativePositionBuckets(length: number, numBuckets: number, maxDistance: number): BigInt64Array {
  const out = new BigInt64Array(length * length);
  for (let i = 0; i < length; i++) {
    for (let j = 0; j < length; j++) out[i * length + j] = BigInt(bucketOf(j - i, numBuckets, maxDistance));
  }
  return out;
}

export function bucketOf(relative: number, numBuckets: number, maxDistance: number): number {
  const f = Math.fround;
  const half = Math.floor(numBuckets / 2);
  const maxExact = Math.floor(half / 2);
  const distance = Math.abs(relative);
  const base = relative > 0 ? half : 0;
  if (distance < maxExact) return base + distance;
  const ratio = f(f(Math.log(f(distance / maxExact))) / f(Math.log(maxDistance / maxExact)));
  const large = maxExact + Math.trunc(f(ratio * (half - maxExact)));
  return base + Math.min(large, half - 1);
}
