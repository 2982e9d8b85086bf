export { bucketOf, relativePositionBuckets } from './buckets.ts';
export { buildT5Encoder, type T5BuildOptions } from './build.ts';
export { type T5Config, T5ConfigSchema } from './config.ts';
export { T5Error, type T5ErrorCode } from './errors.ts';
export { randomT5Weights } from './random-weights.ts';
export { EMBEDDING, EMBEDDING_ALIAS, type T5WeightMap, t5WeightShapes } from './weights.ts';
