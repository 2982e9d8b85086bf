import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { mulberry32 } from '../../models/random.ts';
import {
  bucketOf,
  buildT5Encoder,
  randomT5Weights,
  type T5Config,
  T5ConfigSchema,
  T5Error,
  t5WeightShapes,
} from '../../models/t5/index.ts';
import { errors } from './dit-run.ts';

const TOL = 1e-4;
const L = 226;
// HF-style config.json: unknown keys are dropped.
const config = T5ConfigSchema.parse({
  vocab_size: 101,
  d_model: 32,
  d_kv: 8,
  d_ff: 48,
  num_layers: 2,
  num_heads: 4,
  model_type: 't5',
  dense_act_fn: 'gelu_new',
  feed_forward_proj: 'gated-gelu',
});
const weights = randomT5Weights(config, 3);

/** Two rows of random ids; row 1 is padded (id 0) after 150 tokens. */
function batch(): { ids: BigInt64Array; mask: BigInt64Array } {
  const next = mulberry32(99);
  const ids = new BigInt64Array(2 * L);
  const mask = new BigInt64Array(2 * L);
  for (let i = 0; i < 2 * L; i++) {
    const pad = i >= L + 150;
    ids[i] = pad ? 0n : BigInt(1 + Math.floor(next() * (config.vocab_size - 1)));
    mask[i] = pad ? 0n : 1n;
  }
  return { ids, mask };
}

async function run(withMask: boolean, ids: BigInt64Array, mask: BigInt64Array, length = L): Promise<Float32Array> {
  const g = buildT5Encoder(config, weights, { maxLength: L, attentionMask: withMask });
  const session = await ort.InferenceSession.create(g.serialize().model, { intraOpNumThreads: 2 });
  try {
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', ids, [ids.length / length, length]),
    };
    if (withMask) feeds.attention_mask = new ort.Tensor('int64', mask, [mask.length / length, length]);
    const out = await session.run(feeds);
    return out.last_hidden_state.data as Float32Array;
  } finally {
    await session.release();
  }
}

test('t5: relative position buckets match T5 (bidirectional, 32 buckets, max distance 128)', () => {
  const b = (r: number) => bucketOf(r, 32, 128);
  // Keys before the query use buckets 0-15, keys after it 16-31; exact below 8, logarithmic to 128.
  assert.deepEqual([b(0), b(-1), b(-7), b(1), b(7)], [0, 1, 7, 17, 23]);
  assert.deepEqual(
    [b(-8), b(-15), b(-16), b(-31), b(-32), b(-64), b(-127), b(-128), b(-500)],
    [8, 9, 10, 11, 12, 14, 15, 15, 15],
  );
  assert.deepEqual([b(16), b(64), b(1000)], [26, 30, 31]);
});

test('t5: encoder matches a plain-loop T5 v1.1 at d_model 32, 2 layers, 4 heads, L 226', async () => {
  const { ids, mask } = batch();
  const got = await run(false, ids, mask);
  const want = referenceT5(config, weights, ids, null);
  const { rel, maxAbs } = errors(got, want);
  console.log(`t5 unmasked: rel ${rel.toExponential(2)}, max abs ${maxAbs.toExponential(2)}`);
  assert.ok(rel <= TOL, `relative error ${rel.toExponential(2)} > ${TOL}`);
});

test('t5: with attention_mask, padding keys are hidden as in HF', async () => {
  const { ids, mask } = batch();
  const got = await run(true, ids, mask);
  const want = referenceT5(config, weights, ids, mask);
  const { rel, maxAbs } = errors(got, want);
  console.log(`t5 masked: rel ${rel.toExponential(2)}, max abs ${maxAbs.toExponential(2)}`);
  assert.ok(rel <= TOL, `relative error ${rel.toExponential(2)} > ${TOL}`);
  assert.ok(errors(got, await run(false, ids, mask)).rel > 1e-3, 'the mask changes the padded row');
});

test('t5: a shorter sequence uses the top-left of the bucket table', async () => {
  const { ids } = batch();
  const short = ids.slice(0, 37);
  const got = await run(false, short, new BigInt64Array(0), 37);
  const { rel } = errors(got, referenceT5(config, weights, short, null, 37));
  assert.ok(rel <= TOL, `relative error ${rel.toExponential(2)}`);
});

test('t5: weights carry HF T5EncoderModel names; a missing one is an error naming it', () => {
  const names = [...t5WeightShapes(config).keys()];
  assert.ok(names.includes('encoder.block.1.layer.1.DenseReluDense.wi_1.weight'));
  assert.ok(names.includes('encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight'));
  assert.ok(!names.includes('encoder.block.1.layer.0.SelfAttention.relative_attention_bias.weight'));
  const aliased = new Map(weights);
  aliased.set('encoder.embed_tokens.weight', aliased.get('shared.weight') as Float32Array);
  aliased.delete('shared.weight');
  assert.ok(
    buildT5Encoder(config, aliased)
      .weights()
      .some((w) => w.name === 'shared.weight'),
  );
  const missing = new Map(weights);
  missing.delete('encoder.final_layer_norm.weight');
  assert.throws(
    () => buildT5Encoder(config, missing),
    (e: unknown) =>
      e instanceof T5Error && e.code === 'missing-weight' && e.where === 'encoder.final_layer_norm.weight',
  );
});

// ---- An independent, straightforward T5 v1.1 encoder (plain loops, float64) ----

function referenceT5(
  c: T5Config,
  w: Map<string, Float32Array>,
  ids: BigInt64Array,
  mask: BigInt64Array | null,
  len = L,
): Float32Array {
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
        return add(
          x,
          matVec(
            w.get(`${f}.DenseReluDense.wo.weight`) as Float32Array,
            gate.map((g, i) => g * up[i]),
          ),
        );
      });
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
