import { hashString, mulberry32, uniformArray } from '../random.ts';
import type { T5Config } from './config.ts';
import { EMBEDDING, RELATIVE_BIAS, t5WeightShapes } from './weights.ts';

/**
 * Deterministic random T5 encoder weights for tiny packs and tests: linear weights uniform in ±1/√fan_in,
 * the embedding and relative-position bias uniform in ±1, RMS-norm scales 1 ± 0.1. Each tensor draws
 * from its own stream seeded by (seed, name).
 */
export function randomT5Weights(config: T5Config, seed: number): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [name, dims] of t5WeightShapes(config)) {
    const next = mulberry32((seed ^ hashString(name)) >>> 0);
    const count = dims.reduce((a, b) => a * b, 1);
    if (dims.length === 1) out.set(name, uniformArray(next, count, 0.9, 1.1));
    else if (name === EMBEDDING || name === RELATIVE_BIAS) out.set(name, uniformArray(next, count, -1, 1));
    else out.set(name, uniformArray(next, count, -1 / Math.sqrt(dims[1]), 1 / Math.sqrt(dims[1])));
  }
  return out;
}
