import assert from 'node:assert/strict';
import { test } from 'node:test';
import onnxProto from 'onnx-proto';
import ort from 'onnxruntime-node';
import { GraphBuilder } from '../../models/onnx/graph.ts';
import { mulberry32, uniformArray } from '../../models/random.ts';
import {
  buildVaeDecoder,
  buildVaeEncoder,
  randomVaeWeights,
  VaeConfigSchema,
  VaeError,
  vaeWeightShapes,
} from '../../models/vae/index.ts';
import { CausalCarry, causalConv3d } from '../../models/vae/layers.ts';
import { VaeWeights } from '../../models/vae/weight-table.ts';
import { errors, runGraph } from './dit-run.ts';

// Odd widths and two res blocks; 8 groups so the narrow widths divide.
const config = VaeConfigSchema.parse({
  z_channels: 3,
  ch: 8,
  ch_mult: [1, 2, 2, 3],
  num_res_blocks: 2,
  group_norm_groups: 8,
});
const weights = randomVaeWeights(config, 11);

const noise = (n: number, seed: number) => uniformArray(mulberry32(seed), n, -1, 1);

test('vae: random weights are deterministic and cover every parameter', () => {
  const again = randomVaeWeights(config, 11);
  assert.deepEqual([...weights.keys()], [...vaeWeightShapes(config).keys()]);
  for (const [k, v] of weights) assert.deepEqual(v, again.get(k), k);
  assert.notDeepEqual(
    randomVaeWeights(config, 12).get('encoder.conv_in.conv.weight'),
    weights.get('encoder.conv_in.conv.weight'),
  );
});

/** The reference's latent frame count: odd F takes the first-frame path (1 + (F − 1) / 4), even F plain groups (F / 4). */
const latentCount = (f: number) => (f % 2 ? 1 + (f - 1) / 4 : f / 4);

test('vae: one encoder graph takes F = 1 + 4k or 4k frames of any size and a batch of rows independently', async () => {
  const g = buildVaeEncoder(config, weights);
  for (const [b, f, h, w] of [
    [1, 1, 16, 24],
    [2, 5, 8, 16],
    [1, 9, 24, 8],
    [1, 8, 8, 8],
    [2, 12, 8, 16],
  ]) {
    const x = noise(b * 3 * f * h * w, f);
    const { moments } = await runGraph(g, { x: { data: x, dims: [b, 3, f, h, w] } });
    const latent = 6 * latentCount(f) * (h / 8) * (w / 8);
    assert.equal(moments.length, b * latent, `F=${f} ${h}×${w}`);
    assert.ok(moments.every(Number.isFinite));
    if (b === 2) {
      const first = await runGraph(g, { x: { data: x.slice(0, x.length / 2), dims: [1, 3, f, h, w] } });
      assert.ok(errors(moments.slice(0, latent), first.moments).rel < 1e-5, 'batch rows are independent');
    }
  }
});

test('vae: one decoder graph maps odd T latent frames to 1 + 4(T − 1) pixel frames and even T to 4T', async () => {
  const g = buildVaeDecoder(config, weights);
  for (const [t, h, w, frames] of [
    [1, 2, 3, 1],
    [3, 1, 2, 9],
    [2, 1, 2, 8],
    [4, 2, 1, 16],
  ]) {
    const z = noise(3 * t * h * w, t + 5);
    const { out } = await runGraph(g, { z: { data: z, dims: [1, 3, t, h, w] } });
    assert.equal(out.length, 3 * frames * 8 * h * 8 * w, `T=${t}`);
    assert.ok(out.every(Number.isFinite));
  }
});

test('vae: a missing or misshapen weight is an error naming it', () => {
  const missing = new Map(weights);
  missing.delete('decoder.up.2.upsample.conv.weight');
  assert.throws(
    () => buildVaeDecoder(config, missing),
    (e: unknown) =>
      e instanceof VaeError && e.code === 'missing-weight' && e.where === 'decoder.up.2.upsample.conv.weight',
  );
  const short = new Map(weights).set('encoder.norm_out.bias', new Float32Array(3));
  assert.throws(
    () => buildVaeEncoder(config, short),
    (e: unknown) => e instanceof VaeError && e.code === 'weight-shape',
  );
});

test('vae: configs the port cannot build are rejected by the schema', () => {
  const base = { z_channels: 4, ch: 32, ch_mult: [1, 2], num_res_blocks: 1 };
  assert.ok(VaeConfigSchema.safeParse(base).success === false, 'temporal compression 4 needs 2 downsampling levels');
  assert.ok(!VaeConfigSchema.safeParse({ ...base, ch_mult: [1, 1, 2], attn_resolutions: [16] }).success);
  assert.ok(!VaeConfigSchema.safeParse({ ...base, ch_mult: [1, 1, 2], ch: 24 }).success, '32 groups do not divide 24');
  assert.ok(VaeConfigSchema.safeParse({ ...base, ch_mult: [1, 1, 2] }).success);
});

/** x [1, C, T, H, W] frames [a, b). */
function frames(x: Float32Array, dims: number[], a: number, b: number): Float32Array {
  const [, c, t, h, w] = dims;
  const out = new Float32Array(c * (b - a) * h * w);
  for (let i = 0; i < c; i++) out.set(x.subarray((i * t + a) * h * w, (i * t + b) * h * w), i * (b - a) * h * w);
  return out;
}

test('vae: causal convs with carry continue across passes exactly; without it each pass restarts', async () => {
  const [C, T, H, W] = [3, 7, 4, 5];
  const shapes = new Map([
    ['l.conv.weight', [4, C, 3, 3, 3]],
    ['l.conv.bias', [4]],
  ]);
  const convWeights = new Map([
    ['l.conv.weight', noise(4 * C * 27, 31)],
    ['l.conv.bias', noise(4, 32)],
  ]);
  const conv = (carry?: CausalCarry) => {
    const g = new GraphBuilder('conv');
    const x = g.input('x', 'float32', [1, C, 'frames', H, W]);
    g.output(causalConv3d(g, new VaeWeights(g, convWeights, shapes), x, 'l', carry), 'float32', undefined, 'y');
    return ort.InferenceSession.create(g.serialize().model);
  };
  const x = noise(C * T * H * W, 33);
  const plain = await conv();
  const whole = (await plain.run({ x: new ort.Tensor('float32', x, [1, C, T, H, W]) })).y;
  const passes = await conv(new CausalCarry());
  const decode = async (carry: boolean) => {
    let cache: ort.Tensor = new ort.Tensor('float32', new Float32Array(1), [1, 1, 1, 1, 1]);
    const parts: Float32Array[] = [];
    for (const [a, b] of [
      [0, 3],
      [3, 5],
      [5, 7],
    ]) {
      const part = new ort.Tensor('float32', frames(x, [1, C, T, H, W], a, b), [1, C, b - a, H, W]);
      const flag = new ort.Tensor('float32', Float32Array.of(carry && a > 0 ? 1 : 0), [1]);
      const got = await passes.run({ x: part, carry: flag, 'cache_in.0': cache });
      cache = got['cache_out.0'];
      parts.push(got.y.data as Float32Array);
    }
    const wholeData = whole.data as Float32Array;
    return [
      [0, 3],
      [3, 5],
      [5, 7],
    ].map(([a, b], i) => errors(parts[i], frames(wholeData, whole.dims as number[], a, b)).maxAbs);
  };
  assert.deepEqual(await decode(true), [0, 0, 0], 'carried passes are the one pass, frame for frame');
  const restarted = await decode(false);
  assert.equal(restarted[0], 0);
  assert.ok(restarted[1] > 1e-3 && restarted[2] > 1e-3, `passes without the cache restart: ${restarted}`);
});

test('vae: every carried cache of the decoder feeds its output, so ONNX Runtime frees each padded input early', () => {
  // ORT orders nodes by a depth-first walk back from the nodes nothing consumes: a cache slice no node read
  // ran last and kept every conv's padded input alive to the end (mid pack decode: 2.5× the peak memory).
  const model = onnxProto.onnx.ModelProto.decode(buildVaeDecoder(config, weights, { carry: true }).serialize().model);
  const nodes = model.graph?.node ?? [];
  const producer = new Map(nodes.flatMap((n) => (n.output ?? []).map((o) => [o, n] as const)));
  const needed = new Set<string>();
  const visit = (value: string) => {
    if (needed.has(value)) return;
    needed.add(value);
    for (const input of producer.get(value)?.input ?? []) visit(input);
  };
  visit('out');
  // a cache output is an Identity (the builder's output name) of the slice of its conv's padded input
  const slices = (model.graph?.output ?? [])
    .filter((o) => o.name?.startsWith('cache_out.'))
    .map((o) => producer.get(o.name as string)?.input?.[0] as string);
  assert.ok(slices.length > 10, `the decoder carries ${slices.length} caches`);
  assert.deepEqual(
    slices.filter((c) => !needed.has(c)),
    [],
    'cache slices that out does not depend on',
  );
});
