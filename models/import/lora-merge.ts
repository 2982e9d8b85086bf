import type { DitConfig } from '../dit/config.ts';
import { DitError } from '../dit/errors.ts';
import { LORA_PARTITIONS, layerPrefix } from '../dit/weights.ts';
import type { TensorSource, WeightSource } from '../weights/source.ts';

/**
 * The content ("spatial") LoRA folded into the attention weights, as the reference computes it with the
 * motion LoRA off (lora.py LoraLinear, golden README "Merge rule"): per partition p of an output split in
 * `parts` (q, k, v), W[p] += strength · (lora_alpha / spatial_r) · D_p · C_p; biases unchanged. The result
 * has no `matrix_C` / `matrix_D` (build it with `lora: { content: false }`); the motion pair A, B stays.
 * Each merged weight is computed when read, one tensor at a time.
 */
export function mergeContentLora(weights: WeightSource, config: DitConfig, strength = 1): WeightSource {
  const out = new Map(weights);
  const scale = (strength * config.lora.lora_alpha) / config.lora.spatial_r;
  for (let i = 0; i < config.num_layers; i++) {
    for (const target of config.lora.targets) {
      const name = `${layerPrefix(i)}.${target}`;
      const parts = LORA_PARTITIONS[target];
      const pairs = Array.from({ length: parts }, (_, p) => {
        const c = `${name}.matrix_C.${p}`;
        const d = `${name}.matrix_D.${p}`;
        out.delete(c);
        out.delete(d);
        return { c: need(weights, c), d: need(weights, d) };
      });
      const w = `${name}.original.weight`;
      out.set(w, mergedSource(need(weights, w), pairs, scale));
    }
  }
  return out;
}

function need(weights: WeightSource, name: string): TensorSource {
  const t = weights.get(name);
  if (!t) throw new DitError('missing-weight', name, `content LoRA merge: weight ${name} is missing`);
  return t;
}

function mergedSource(w: TensorSource, pairs: { c: TensorSource; d: TensorSource }[], scale: number): TensorSource {
  const [rows, cols] = w.shape;
  return {
    dtype: 'float32',
    shape: w.shape,
    file: w.file,
    key: `${w.key} + content LoRA`,
    toFloat32() {
      const out = w.toFloat32();
      const partRows = rows / pairs.length;
      pairs.forEach(({ c, d }, p) => {
        const dv = d.toFloat32();
        // Untrained layers keep D at its zero init (reference: only every 6th layer is trained).
        if (scale === 0 || dv.every((v) => v === 0)) return;
        addProduct(out, p * partRows, dv, c.toFloat32(), partRows, d.shape[1], cols, scale);
      });
      return out;
    },
  };
}

/** out[row0 + i, :] += scale · Σ_k d[i, k] · c[k, :], accumulated in float64 per row. */
function addProduct(
  out: Float32Array,
  row0: number,
  d: Float32Array,
  c: Float32Array,
  rows: number,
  rank: number,
  cols: number,
  scale: number,
): void {
  const acc = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    acc.fill(0);
    for (let k = 0; k < rank; k++) {
      const dik = d[i * rank + k];
      if (dik === 0) continue;
      const ck = k * cols;
      for (let j = 0; j < cols; j++) acc[j] += dik * c[ck + j];
    }
    const o = (row0 + i) * cols;
    for (let j = 0; j < cols; j++) out[o + j] += scale * acc[j];
  }
}
