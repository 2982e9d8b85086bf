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
import { referenceT5 } from './t5-reference.ts';

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
