import { hashString, mulberry32, uniformArray } from '../random.ts';
import type { VaeConfig } from './config.ts';
import { vaeWeightShapes } from './weights.ts';

/**
 * Deterministic random VAE weights for tiny packs and tests: convolution weights and biases uniform in
 * ±1/√fan_in (PyTorch's default), GroupNorm scales 1 ± 0.1 and shifts ±0.1. Each tensor draws from its
 * own stream seeded by (seed, name).
 */
export function randomVaeWeights(config: VaeConfig, seed: number): Map<string, Float32Array> {
  const shapes = vaeWeightShapes(config);
  const out = new Map<string, Float32Array>();
  for (const [name, dims] of shapes) {
    const next = mulberry32((seed ^ hashString(name)) >>> 0);
    const count = dims.reduce((a, b) => a * b, 1);
    const weightDims = shapes.get(name.replace(/\.bias$/, '.weight')) ?? dims;
    if (weightDims.length === 1) {
      const center = name.endsWith('.weight') ? 1 : 0;
      out.set(name, uniformArray(next, count, center - 0.1, center + 0.1));
      continue;
    }
    const bound = 1 / Math.sqrt(weightDims.slice(1).reduce((a, b) => a * b, 1));
    out.set(name, uniformArray(next, count, -bound, bound));
  }
  return out;
}
