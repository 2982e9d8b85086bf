import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { type BuildDitOptions, buildDit } from '../../models/dit/build.ts';
import { condFramesFor, type DitConfig, DitConfigSchema } from '../../models/dit/config.ts';
import { DitError } from '../../models/dit/errors.ts';
import { videoPositionEmbedding } from '../../models/dit/position.ts';
import { randomDitWeights } from '../../models/dit/random-weights.ts';
import { ditWeightShapes } from '../../models/dit/weights.ts';
import { mulberry32, uniformArray } from '../../models/random.ts';
import { errors, type Feeds, runGraph } from './dit-run.ts';

/** RGB-like: 3 prompts of 5 tokens, 12 latent frames of 6×4 (the table holds 13, as released), 3 heads of 16. */
const rgb = DitConfigSchema.parse({
  reference_module: 'dit_video_concat_rgb',
  num_frames: 49,
  compressed_frames: 12,
  time_compressed_rate: 4,
  latent_width: 4,
  latent_height: 6,
  patch_size: 2,
  in_channels: 3,
  out_channels: 3,
  hidden_size: 48,
  num_layers: 2,
  num_attention_heads: 3,
  elementwise_affine: true,
  time_embed_dim: 24,
  text_hidden_size: 8,
  text_length: 15,
  text_tokens_per_layer: 5,
  height_interpolation: 1.875,
  width_interpolation: 1.875,
  lora: { motion_r: 2, spatial_r: 3, targets: ['attention.query_key_value', 'attention.dense'] },
});
const weights = randomDitWeights(rgb, 11);

function inputs(c: DitConfig, batch: number, frames: number, seed: number, extra: Partial<Feeds> = {}): Feeds {
  const next = mulberry32(seed);
  const latent = (n: number) => ({
    data: uniformArray(next, batch * n * c.in_channels * c.latent_height * c.latent_width, -1.5, 1.5),
    dims: [batch, n, c.in_channels, c.latent_height, c.latent_width],
  });
  return {
    x: latent(frames),
    timesteps: { data: uniformArray(next, batch, 0, 999).map(Math.round), dims: [batch] },
    context: {
      data: uniformArray(next, batch * c.text_length * c.text_hidden_size, -1, 1),
      dims: [batch, c.text_length, c.text_hidden_size],
    },
    motion_scale: { data: Float32Array.of(0), dims: [1] },
    content_scale: { data: Float32Array.of(1), dims: [1] },
    ...(extra as Feeds),
  };
}
const strength = (v: number) => ({ data: Float32Array.of(v), dims: [1] });
const run = (w: Map<string, Float32Array>, feeds: Feeds, opts: BuildDitOptions = {}, c = rgb) =>
  runGraph(buildDit(c, w, opts), feeds).then((o) => o.out);
const without = (pattern: RegExp) => new Map([...weights].filter(([k]) => !pattern.test(k)));

test('dit position table: 3D sin-cos rows as the reference (w before h, interpolated grid)', () => {
  const c = DitConfigSchema.parse({
    ...rgb,
    compressed_frames: undefined,
    num_frames: 9,
    hidden_size: 32,
    num_attention_heads: 2,
    latent_height: 4,
    latent_width: 6,
  });
  const table = videoPositionEmbedding(c);
  // numpy get_3d_sincos_pos_embed(32, 2, 3, 3, height/width_interpolation=1.875): rows (t0,h1,w2), (t2,h0,w1).
  const want: Record<number, number[]> = {
    5: [
      0, 0, 0, 0, 1, 1, 1, 1, 0.87559525, 0.227789, 0.049490059, 0.010666465, 0.0022980618, 0.00049510281, 0.48304551,
      0.97371052, 0.99877462, 0.99994311, 0.99999736, 0.99999988, 0.50840657, 0.11465052, 0.024752613, 0.0053333083,
      0.0011490316, 0.00024755141, 0.86111715, 0.99340589, 0.99969361, 0.99998578, 0.99999934, 0.99999997,
    ],
    13: [
      0.90929743, 0.19866933, 0.019998667, 0.0019999987, -0.41614684, 0.98006658, 0.99980001, 0.999998, 0.50840657,
      0.11465052, 0.024752613, 0.0053333083, 0.0011490316, 0.00024755141, 0.86111715, 0.99340589, 0.99969361,
      0.99998578, 0.99999934, 0.99999997, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1,
    ],
  };
  assert.equal(table.length, 3 * 6 * 32);
  for (const [row, values] of Object.entries(want)) {
    assert.ok(errors(table.subarray(Number(row) * 32, (Number(row) + 1) * 32), values).maxAbs < 1e-6, `row ${row}`);
  }
});

test('dit LoRA: motion_scale 0 equals a graph built without the motion LoRA weights', async () => {
  const feeds = inputs(rgb, 1, 12, 1);
  const full = await run(weights, feeds);
  const noMotion = await run(without(/matrix_[AB]\./), feeds, { lora: { motion: false } });
  assert.ok(errors(full, noMotion).maxAbs < 1e-6);
});

test('dit LoRA: both strengths 0 equal a graph with no LoRA weights at all', async () => {
  const feeds = inputs(rgb, 1, 12, 2, { content_scale: strength(0) });
  const full = await run(weights, feeds);
  const bare = await run(without(/matrix_/), feeds, { lora: { motion: false, content: false } });
  assert.ok(errors(full, bare).maxAbs < 1e-6);
});

test('dit position table: a graph without pos_embedding recomputes the one the reference constructs', async () => {
  const feeds = inputs(rgb, 1, 12, 7);
  const stored = await run(weights, feeds);
  const recomputed = await run(without(/pos_embedding$/), feeds);
  assert.ok(errors(recomputed, stored).maxAbs < 1e-6);
});

test('dit LoRA: motion_scale and content_scale change the output', async () => {
  const base = inputs(rgb, 1, 12, 3);
  const off = await run(weights, base);
  const motion = await run(weights, { ...base, motion_scale: strength(1) });
  const content = await run(weights, { ...base, content_scale: strength(0.5) });
  assert.ok(errors(motion, off).rel > 1e-3, 'motion LoRA has an effect');
  assert.ok(errors(content, off).rel > 1e-3, 'content LoRA has an effect');
});

test('dit RGB 12 frames, 3 heads: output [B, T, C, H, W] and batch rows independent', async () => {
  const both = inputs(rgb, 2, 12, 4, { motion_scale: strength(0.7) });
  const out = await run(weights, both);
  assert.equal(out.length, 2 * 12 * 3 * 6 * 4);
  assert.ok(out.every(Number.isFinite));
  const half = out.length / 2;
  const row = (b: number): Feeds =>
    Object.fromEntries(
      Object.entries(both).map(([k, v]) => {
        if (v.dims[0] !== 2) return [k, v];
        const n = v.data.length / 2;
        return [k, { data: v.data.slice(b * n, (b + 1) * n), dims: [1, ...v.dims.slice(1)] }];
      }),
    );
  for (const b of [0, 1]) {
    const single = await run(weights, row(b));
    assert.ok(errors(out.subarray(b * half, (b + 1) * half), single).rel < 1e-5, `row ${b}`);
  }
});

test('dit splice: tasks 1-3 equal the plain graph on the spliced frames with them cut from the output', async () => {
  const frameSize = 3 * 6 * 4;
  for (const task of [1, 2, 3] as const) {
    const [from, to] = condFramesFor(rgb, task);
    const given = to - from;
    const feeds = inputs(rgb, 1, 12 - given, 20 + task);
    const cond = uniformArray(mulberry32(30 + task), given * frameSize, -1, 1);
    const x = feeds.x.data;
    const spliced = new Float32Array(12 * frameSize);
    spliced.set(x.subarray(0, from * frameSize));
    spliced.set(cond, from * frameSize);
    spliced.set(x.subarray(from * frameSize), to * frameSize);
    const plain = await run(weights, { ...feeds, x: { data: spliced, dims: [1, 12, 3, 6, 4] } });
    const want = new Float32Array((12 - given) * frameSize);
    want.set(plain.subarray(0, from * frameSize));
    want.set(plain.subarray(to * frameSize), from * frameSize);
    const got = await run(weights, { ...feeds, cond_input: { data: cond, dims: [1, given, 3, 6, 4] } }, { task });
    assert.ok(errors(got, want).maxAbs < 1e-5, `task ${task}`);
  }
});

test('dit float16: close to float32', async () => {
  const feeds = inputs(rgb, 1, 12, 5, { motion_scale: strength(1) });
  const f32 = await run(weights, feeds);
  const f16 = await run(weights, feeds, { dtype: 'float16' });
  assert.ok(errors(f16, f32).rel < 5e-3);
});

test('dit options: no affine norms, no qk-ln, LoRA on dense only', async () => {
  const c = DitConfigSchema.parse({
    ...rgb,
    elementwise_affine: false,
    qk_ln: false,
    lora: { ...rgb.lora, targets: ['attention.dense'] },
  });
  const names = [...ditWeightShapes(c).keys()];
  assert.ok(!names.some((n) => n.includes('layernorm')), 'no norm weights');
  assert.ok(names.includes('transformer.layers.0.attention.query_key_value.weight'));
  const out = await run(randomDitWeights(c, 3), inputs(c, 1, 12, 6), {}, c);
  assert.ok(out.length === 12 * 3 * 6 * 4 && out.every(Number.isFinite));
});

test('dit weights: a missing or wrongly sized weight is a DitError naming it', () => {
  const name = 'transformer.layers.1.mlp.dense_h_to_4h.weight';
  const missing = new Map(weights);
  missing.delete(name);
  assert.throws(
    () => buildDit(rgb, missing),
    (e) => e instanceof DitError && e.code === 'missing-weight' && e.where === name,
  );
  const short = new Map(weights).set(name, new Float32Array(5));
  assert.throws(
    () => buildDit(rgb, short),
    (e) => e instanceof DitError && e.code === 'weight-shape' && e.where === name,
  );
  const odd = DitConfigSchema.parse({ ...rgb, compressed_frames: 11 });
  assert.throws(
    () => buildDit(odd, randomDitWeights(odd, 1), { task: 2 }),
    (e) => e instanceof DitError && e.code === 'cond-splice',
  );
});

test('dit attention: 8192 tokens run without a T×T tensor (child peak RSS)', () => {
  const [tokens, heads] = [8192, 2];
  const child = path.join(import.meta.dirname, 'dit-attention-child.ts');
  const r = spawnSync(process.execPath, ['--import', 'tsx', child, String(tokens), String(heads), '64'], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const { peakBytes, outLength, finite } = JSON.parse(r.stdout.trim());
  assert.equal(outLength, tokens * heads * 64);
  assert.ok(finite);
  const scores = tokens * tokens * 4 * heads;
  assert.ok(peakBytes < scores / 2, `peak RSS ${peakBytes} B vs ${scores} B for the score matrix`);
});

test('dit layer embedder: absent in the config, nothing is added to the text tokens', async () => {
  const bare = DitConfigSchema.parse({ ...rgb, learnable_txt_embed: false });
  assert.ok(![...ditWeightShapes(bare).keys()].some((n) => n.includes('txt_embedder')));
  const feeds = inputs(rgb, 1, 12, 40);
  // A layer embedder whose LayerNorm scale and shift are zero adds exactly zero.
  const zeroed = new Map(weights)
    .set('mixins.pos_embed.txt_embedder.1.weight', new Float32Array(48))
    .set('mixins.pos_embed.txt_embedder.1.bias', new Float32Array(48));
  const want = await run(zeroed, feeds);
  const got = await run(without(/txt_embedder/), feeds, {}, bare);
  assert.ok(errors(got, want).maxAbs < 1e-6);
  assert.ok(errors(await run(weights, feeds), want).rel > 1e-3, 'the layer embedding has an effect');
});

test('dit position table: a stored table longer than the call uses only its first rows', async () => {
  // rgb stores 13 frames and runs 12; a config storing exactly 12 with the table cut must agree.
  const exact = DitConfigSchema.parse({ ...rgb, pos_frames: 12 });
  const table = weights.get('mixins.pos_embed.pos_embedding') as Float32Array;
  const rows = exact.text_length + 12 * 3 * 2;
  const cut = new Map(weights).set('mixins.pos_embed.pos_embedding', table.slice(0, rows * 48));
  // A recognisable table: random, not the sin-cos one buildDit would recompute.
  const random = uniformArray(mulberry32(9), table.length, -1, 1);
  const feeds = inputs(rgb, 1, 12, 41);
  const long = await run(new Map(weights).set('mixins.pos_embed.pos_embedding', random), feeds);
  const short = await run(
    new Map(cut).set('mixins.pos_embed.pos_embedding', random.slice(0, rows * 48)),
    feeds,
    {},
    exact,
  );
  assert.ok(errors(long, short).maxAbs < 1e-6);
  assert.ok(errors(long, await run(weights, feeds)).rel > 1e-3, 'the stored table is the one used');
});

test('dit condition: a batch-1 cond_input is repeated to the CFG batch as the reference does', async () => {
  const feeds = inputs(rgb, 2, 8, 42);
  const cond = uniformArray(mulberry32(43), 4 * 3 * 6 * 4, -1, 1);
  const twice = new Float32Array(cond.length * 2);
  twice.set(cond);
  twice.set(cond, cond.length);
  const one = await run(weights, { ...feeds, cond_input: { data: cond, dims: [1, 4, 3, 6, 4] } }, { task: 1 });
  const two = await run(weights, { ...feeds, cond_input: { data: twice, dims: [2, 4, 3, 6, 4] } }, { task: 1 });
  assert.ok(errors(one, two).maxAbs === 0);
});

test('dit RGB splice table: tasks 1-3 and decomposition at the reference slots of 12 frames', () => {
  assert.deepEqual(
    ([0, 1, 2, 3] as const).map((t) => condFramesFor(rgb, t)),
    [
      [10, 12],
      [0, 4],
      [4, 8],
      [8, 12],
    ],
  );
  const rgba = DitConfigSchema.parse({
    ...rgb,
    reference_module: 'dit_video_concat',
    num_frames: 65,
    compressed_frames: 17,
  });
  assert.deepEqual(
    ([0, 1, 2, 3] as const).map((t) => condFramesFor(rgba, t)),
    [
      [13, 17],
      [0, 9],
      [9, 13],
      [13, 17],
    ],
  );
});

test('dit folded content LoRA: equals the LoRA graph at strength 1, and ONNX Runtime folds it into constants', async () => {
  const feeds = inputs(rgb, 1, 12, 44);
  const lora = await run(weights, feeds, { lora: { motion: false } });
  const folded = buildDit(rgb, weights, { lora: { motion: false, content: 'folded' } });
  const got = (await runGraph(folded, feeds)).out;
  assert.ok(errors(got, lora).rel < 1e-5);
  // The session ORT builds has no product of LoRA matrices left to compute per call.
  const dir = mkdtempSync(path.join(tmpdir(), 'lf-fold-'));
  try {
    const optimized = path.join(dir, 'optimized.onnx');
    const session = await ort.InferenceSession.create(folded.serialize().model, {
      graphOptimizationLevel: 'basic',
      optimizedModelFilePath: optimized,
    });
    await session.release();
    const model = onnxProto.onnx.ModelProto.decode(readFileSync(optimized));
    const loraInputs = model.graph?.node?.filter((n) => n.input?.some((i) => /matrix_[CD]/.test(i))) ?? [];
    assert.deepEqual(
      loraInputs.map((n) => n.opType),
      [],
      'no node reads a LoRA matrix',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
