import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { openT5Folder } from '../../models/import/t5-folder.ts';
import { buildT5Encoder, T5Error } from '../../models/t5/index.ts';
import { readAll } from '../../models/weights/source.ts';
import { errors } from './dit-run.ts';
import { evalHalf } from './half-eval.ts';
import { naiveFloat16 } from './naive-float16.ts';
import { activationPeak, referenceT5 } from './t5-reference.ts';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const goldenRoot = process.env.LAYERFLOW_GOLDEN_DIR ?? path.resolve(repoRoot, '..', 'shared', 'golden');
const folder = path.join(goldenRoot, 't5', 'tiny-d32');
const PROMPT = '0, A red fox runs through a snowy forest at dawn.';

/** The golden float16 T5 with its feed-forward weights ×100: activations reach millions, weights stay < 80. */
function overflowingT5() {
  const f = openT5Folder(folder);
  const weights = readAll(f.weights);
  for (const [name, w] of weights)
    if (/DenseReluDense/.test(name))
      weights.set(
        name,
        w.map((v) => v * 100),
      );
  const { ids, dims } = f.tokenizer.encode([PROMPT]);
  return { config: f.config, weights, ids, dims };
}

const feedsOf = (ids: BigInt64Array, dims: number[]) => ({
  input_ids: { type: 'int64' as const, dims, data: Float64Array.from(ids, Number) },
});
const nonFinite = (xs: ArrayLike<number>) => Array.from(xs).filter((v) => !Number.isFinite(v)).length;

test('golden t5 float16: activations past 65504 overflow a plain float16 conversion, not this graph', async () => {
  const { config, weights, ids, dims } = overflowingT5();
  const want = referenceT5(config, weights, ids, null);
  assert.ok(activationPeak.value > 65504 * 10, `activations peak at ${activationPeak.value}`);
  const full = buildT5Encoder(config, weights).serialize().model;
  const half = buildT5Encoder(config, weights, { dtype: 'float16' }).serialize().model;
  // Run as a GPU would: every float16 value rounded to float16.
  const naive = evalHalf(naiveFloat16(full), feedsOf(ids, dims)).last_hidden_state.data;
  assert.ok(nonFinite(naive) > 0, 'the plain float16 conversion overflows');
  const ours = evalHalf(half, feedsOf(ids, dims)).last_hidden_state.data;
  assert.equal(nonFinite(ours), 0);
  const { maxRel } = errors(Float32Array.from(ours), want);
  console.log(
    `float16 at activation peak ${activationPeak.value.toExponential(2)}: max rel ${maxRel.toExponential(2)}`,
  );
  assert.ok(maxRel <= 5e-3, `max rel ${maxRel.toExponential(2)}`);
  // And ONNX Runtime runs the same graph (its CPU provider computes the products in float32).
  const session = await ort.InferenceSession.create(half, { intraOpNumThreads: 2 });
  const out = await session.run({ input_ids: new ort.Tensor('int64', ids, dims) });
  await session.release();
  assert.ok(errors(out.last_hidden_state.data as Float32Array, want).maxRel <= 5e-3);
});

test('golden t5 float16: matrices are stored as float16, norm scales and the position bias as float32', () => {
  const f = openT5Folder(folder);
  const weights = buildT5Encoder(f.config, f.weights, { dtype: 'float16' }).weights();
  const byName = new Map(weights.map((w) => [w.name, w.dtype]));
  assert.equal(byName.get('shared.weight'), 'float16');
  assert.equal(byName.get('encoder.block.1.layer.1.DenseReluDense.wo.weight'), 'float16');
  assert.equal(byName.get('encoder.block.0.layer.0.SelfAttention.q.weight'), 'float16');
  assert.equal(byName.get('encoder.block.1.layer.0.layer_norm.weight'), 'float32');
  assert.equal(byName.get('encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight'), 'float32');
});

test('golden t5 float16: a weight float16 cannot hold is refused, naming it', () => {
  const f = openT5Folder(folder);
  const weights = readAll(f.weights);
  const name = 'encoder.block.1.layer.0.SelfAttention.v.weight';
  (weights.get(name) as Float32Array)[3] = 70000;
  // Weights are read when the graph is written, so that is where the range is checked.
  assert.throws(
    () => buildT5Encoder(f.config, weights, { dtype: 'float16' }).serialize(),
    (e: unknown) => e instanceof T5Error && e.code === 'weight-range' && e.where === name,
  );
  assert.doesNotThrow(() => buildT5Encoder(f.config, weights).serialize());
});
