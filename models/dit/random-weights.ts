import { hashString, mulberry32, uniformArray } from '../random.ts';
import type { DitConfig } from './config.ts';
import { positionTable } from './position.ts';
import { ditWeightShapes, POS_TABLE } from './weights.ts';

/**
 * Deterministic random DiT weights for tiny packs and tests: matrices and their biases uniform in
 * ±1/√fan_in (PyTorch's Linear default), norm scales 1 ± 0.1 and shifts ±0.1. LoRA up-projections are
 * random too (the reference zero-initialises them), so every LoRA path changes the output; the position
 * table is the one the reference constructs (a fixed buffer). Each tensor draws from its own stream
 * seeded by (seed, name), so configs that share a name share its values.
 */
export function randomDitWeights(config: DitConfig, seed: number): Map<string, Float32Array> {
  const shapes = ditWeightShapes(config);
  const out = new Map<string, Float32Array>();
  for (const [name, dims] of shapes) {
    if (name === POS_TABLE) {
      out.set(name, positionTable(config));
      continue;
    }
    const next = mulberry32((seed ^ hashString(name)) >>> 0);
    const count = dims.reduce((a, b) => a * b, 1);
    const sibling = shapes.get(name.replace(/\.bias$/, '.weight'));
    const isNorm = dims.length === 1 && (sibling?.length ?? 1) === 1;
    if (isNorm) {
      const center = name.endsWith('.weight') ? 1 : 0;
      out.set(name, uniformArray(next, count, center - 0.1, center + 0.1));
      continue;
    }
    const matrix = dims.length > 1 ? dims : (sibling as number[]);
    const bound = 1 / Math.sqrt(matrix.slice(1).reduce((a, b) => a * b, 1));
    out.set(name, uniformArray(next, count, -bound, bound));
  }
  return out;
}
