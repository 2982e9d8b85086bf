import type { T5Config } from '../../models/t5/index.ts';

/** Largest |value| of the residual stream and feed-forward products in the last referenceT5 call. */
export const activationPeak = { value: 0 };

const track = (xs: number[]) => {
  for (const x of xs) activationPeak.value = Math.max(activationPeak.value, Math.abs(x));
};

/**
 * An independent, straightforward T5 v1.1 encoder (plain loops, float64) for `len`-token rows of `ids`;
 * with a mask, padding keys get the float32 minimum as in HF.
 */
export function referenceT5(
  c: T5Config,
  w: Map<string, Float32Array>,
  ids: BigInt64Array,
  mask: BigInt64Array | null,
  len = 226,
): Float32Array {
  activationPeak.value = 0;
  const d = c.d_model;
  const rows = ids.length / len;
  const out = new Float32Array(ids.length * d);
  const emb = w.get('shared.weight') as Float32Array;
  const relBias = w.get('encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight') as Float32Array;
  for (let r = 0; r < rows; r++) {
    let h = Array.from({ length: len }, (_, t) =>
      Array.from(emb.subarray(Number(ids[r * len + t]) * d, (Number(ids[r * len + t]) + 1) * d)),
    );
    for (let layer = 0; layer < c.num_layers; layer++) {
      const a = `encoder.block.${layer}.layer.0`;
      const n = h.map((x) => rms(x, w.get(`${a}.layer_norm.weight`) as Float32Array, c.layer_norm_epsilon));
      const q = n.map((x) => matVec(w.get(`${a}.SelfAttention.q.weight`) as Float32Array, x));
      const k = n.map((x) => matVec(w.get(`${a}.SelfAttention.k.weight`) as Float32Array, x));
      const v = n.map((x) => matVec(w.get(`${a}.SelfAttention.v.weight`) as Float32Array, x));
      const ctx = Array.from({ length: len }, () => new Array(c.num_heads * c.d_kv).fill(0));
      for (let head = 0; head < c.num_heads; head++) {
        for (let i = 0; i < len; i++) {
          const s = new Array(len).fill(0);
          for (let j = 0; j < len; j++) {
            for (let e = 0; e < c.d_kv; e++) s[j] += q[i][head * c.d_kv + e] * k[j][head * c.d_kv + e];
            s[j] += relBias[refBucket(j - i) * c.num_heads + head];
            if (mask && mask[r * len + j] === 0n) s[j] += -3.4028234663852886e38;
          }
          const m = Math.max(...s);
          const p = s.map((x) => Math.exp(x - m));
          const z = p.reduce((x, y) => x + y, 0);
          for (let j = 0; j < len; j++) {
            for (let e = 0; e < c.d_kv; e++) ctx[i][head * c.d_kv + e] += (p[j] / z) * v[j][head * c.d_kv + e];
          }
        }
      }
      h = h.map((x, t) => add(x, matVec(w.get(`${a}.SelfAttention.o.weight`) as Float32Array, ctx[t])));
      const f = `encoder.block.${layer}.layer.1`;
      h = h.map((x) => {
        const nx = rms(x, w.get(`${f}.layer_norm.weight`) as Float32Array, c.layer_norm_epsilon);
        const gate = matVec(w.get(`${f}.DenseReluDense.wi_0.weight`) as Float32Array, nx).map(geluNew);
        const up = matVec(w.get(`${f}.DenseReluDense.wi_1.weight`) as Float32Array, nx);
        const product = gate.map((g, i) => g * up[i]);
        track(product);
        return add(x, matVec(w.get(`${f}.DenseReluDense.wo.weight`) as Float32Array, product));
      });
      h.forEach(track);
    }
    const finalNorm = w.get('encoder.final_layer_norm.weight') as Float32Array;
    h.forEach((x, t) => {
      out.set(rms(x, finalNorm, c.layer_norm_epsilon), (r * len + t) * d);
    });
  }
  return out;
}

/** HF _relative_position_bucket, bidirectional, 32 buckets, max distance 128 (float64). */
function refBucket(relative: number): number {
  let bucket = relative > 0 ? 16 : 0;
  const n = Math.abs(relative);
  if (n < 8) return bucket + n;
  bucket += Math.min(8 + Math.floor((Math.log(n / 8) / Math.log(128 / 8)) * 8), 15);
  return bucket;
}

function rms(x: number[], scale: Float32Array, eps: number): number[] {
  const ms = x.reduce((s, v) => s + v * v, 0) / x.length;
  return x.map((v, i) => (v / Math.sqrt(ms + eps)) * scale[i]);
}

/** W·x for a row-major [out, in] weight. */
function matVec(wt: Float32Array, x: number[]): number[] {
  const out = new Array(wt.length / x.length).fill(0);
  for (let o = 0; o < out.length; o++) for (let i = 0; i < x.length; i++) out[o] += wt[o * x.length + i] * x[i];
  return out;
}

const add = (a: number[], b: number[]) => a.map((v, i) => v + b[i]);
const geluNew = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
