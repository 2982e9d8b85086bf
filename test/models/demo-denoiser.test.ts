import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import ort from 'onnxruntime-node';
import { buildDemoPack, demoLayers, demoLibrary, toLatentOrder } from '../../models/demo/index.ts';
import { networkLevels } from '../../models/demo/signal-levels.ts';
import { demoVocab, wordVectors } from '../../models/demo/vocab.ts';
import { readPack } from '../../models/pack/read.ts';
import type { PackConfig, Task } from '../../models/pack/schema.ts';
import { snapAlpha } from '../../models/sampler/denoiser.ts';
import { mixtureV } from '../../models/sampler/mixture.ts';
import { gaussianNoise } from '../../models/sampler/noise.ts';
import { samplingSchedule, zeroSnrLevels } from '../../models/sampler/schedule.ts';

// Odd, tiny sizes: 3 frames of 16×8, space-to-depth 4 → 48 latent channels of 2×4.
const size = { frames: 3, height: 8, width: 16 };
const spatial = 4;
const knobs = { size, spatial, variance: 0.05, conditionVariance: 0.01, temperature: 1.5 };
const TOKENS = 226;
const lib = demoLibrary(size);
const vocab = demoVocab([...lib.actors, ...lib.backdrops].map((i) => i.caption));
const actorWords = wordVectors(
  lib.actors.map((a) => a.caption),
  vocab.words,
);
const backdropWords = wordVectors(
  lib.backdrops.map((b) => b.caption),
  vocab.words,
);
const W = vocab.words.length;
const I = lib.actors.length;
const J = lib.backdrops.length;
const FRAME = [3 * spatial ** 2, size.height / spatial, size.width / spatial]; // latent frame [C, h, w]
const D = 3 * size.height * size.width; // values per latent frame
let root: string;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'demo-denoiser-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Pair (i, j)'s whole latent sequence for the config's layer order (± the duplicated first frame). */
function pairSequence(config: PackConfig, i: number, j: number, dup: boolean): Float32Array {
  const layers = demoLayers(lib, i, j);
  const latent = (px: Float32Array) => toLatentOrder(px, size, spatial, 3).map((v) => config.latentScale * (2 * v - 1));
  const byLayer = { foreground: layers.fg, alpha: layers.alpha, background: layers.bg, blend: layers.blend };
  const parts = config.layerOrder.map((l) => latent(byLayer[l]));
  const out = new Float32Array((dup ? D : 0) + parts.length * parts[0].length);
  if (dup) out.set(parts[0].subarray(0, D));
  for (const [n, p] of parts.entries()) out.set(p, (dup ? D : 0) + n * p.length);
  return out;
}

/** A context whose prompt p names `words[p]` (scattered over its 226 positions). */
function contextFor(words: string[][]): Float32Array {
  const ctx = new Float32Array(words.length * TOKENS * W);
  words.forEach((ws, p) => {
    ws.forEach((w, n) => {
      ctx[(p * TOKENS + 7 + 13 * n) * W + vocab.words.indexOf(w)] = 1;
    });
  });
  return ctx;
}

/** temperature × caption words matched, per pair, for the prompts of `layers` (reference of the graph's logits). */
function promptLogits(layers: string[], words: string[][]): Float64Array {
  const bag = (p: number) => new Set(words[p]);
  const logits = new Float64Array(I * J);
  for (let i = 0; i < I; i++) {
    for (let j = 0; j < J; j++) {
      let matched = 0;
      layers.forEach((layer, p) => {
        for (const w of bag(p)) {
          const z = vocab.words.indexOf(w);
          if (layer !== 'background') matched += actorWords[i * W + z];
          if (layer !== 'foreground') matched += backdropWords[j * W + z];
        }
      });
      logits[i * J + j] = knobs.temperature * matched;
    }
  }
  return logits;
}

/**
 * The exact posterior mean's v-prediction with per-frame levels (given frames: a = 1, tot = condition
 * variance), by brute force over every pair: the graph must match it.
 */
function referenceV(
  seqs: Float32Array[],
  logits: Float64Array,
  X: Float32Array,
  a: number,
  given: [number, number],
): Float32Array {
  const T = X.length / D;
  const tot = a * a * knobs.variance + 1 - a * a;
  const isGiven = (t: number) => t >= given[0] && t < given[1];
  const logw = seqs.map((m, p) => {
    let dist = 0;
    for (let t = 0; t < T; t++) {
      const [af, tf] = isGiven(t) ? [1, knobs.conditionVariance] : [a, tot];
      for (let e = t * D; e < (t + 1) * D; e++) dist += (X[e] - af * m[e]) ** 2 / (2 * tf);
    }
    return logits[p] - dist;
  });
  const top = Math.max(...logw);
  const w = logw.map((l) => Math.exp(l - top));
  const sum = w.reduce((x, y) => x + y, 0);
  const s = Math.sqrt(1 - a * a);
  const out: number[] = [];
  for (let t = 0; t < T; t++) {
    if (isGiven(t)) continue;
    for (let e = t * D; e < (t + 1) * D; e++) {
      let x0 = 0;
      seqs.forEach((m, p) => {
        x0 += (w[p] / sum) * (m[e] + ((a * knobs.variance) / tot) * (X[e] - a * m[e]));
      });
      out.push((a * X[e] - x0) / s);
    }
  }
  return Float32Array.from(out);
}

const tensor = (data: Float32Array, dims: number[]) => new ort.Tensor('float32', data, dims);

for (const variant of ['rgba', 'rgb'] as const) {
  test(`demo ${variant} denoiser graphs compute the exact mixture posterior for every task`, async () => {
    const dir = join(root, variant);
    await buildDemoPack(dir, variant, knobs);
    const pack = await readPack(dir); // verifies hashes and the transformer inputs against the config
    const config = pack.config;
    const levels = networkLevels(config.schedule.shift);
    const noise = gaussianNoise(variant === 'rgba' ? 11 : 12);
    for (const task of pack.manifest.tasks as Task[]) {
      const cond = config.condition[task];
      assert.ok(cond);
      const dup = cond.duplicateFirstFrame;
      const seqs = Array.from({ length: I * J }, (_, p) => pairSequence(config, Math.floor(p / J), p % J, dup));
      const T = seqs[0].length / D;
      const given: [number, number] = cond.frames ?? [0, 0];
      const words = cond.prompts.map(
        (_, p) =>
          [
            ['red', 'circle'],
            ['sunset', 'gradient'],
            ['blue', 'stripes'],
          ][p],
      );
      const ctx = contextFor(words);
      // row 0: a noised library pair with its true condition; row 1: pure noise, no prompt, other timestep
      const eps = noise(T * D);
      const rows = [
        { t: 400, full: seqs[5 * J + 3].map((m, e) => 0.6 * m + 0.8 * eps[e]), ctx },
        { t: 873, full: noise(T * D), ctx: new Float32Array(ctx.length) },
      ];
      const kept = (full: Float32Array) =>
        Float32Array.from([...full.subarray(0, given[0] * D), ...full.subarray(given[1] * D)]);
      const session = await ort.InferenceSession.create(pack.files[`transformer.${task}`].abs);
      const feeds: Record<string, ort.Tensor> = {
        x: tensor(Float32Array.from(rows.flatMap((r) => [...kept(r.full)])), [2, T - (given[1] - given[0]), ...FRAME]),
        timesteps: tensor(Float32Array.from(rows.map((r) => r.t)), [2]),
        context: tensor(Float32Array.from(rows.flatMap((r) => [...r.ctx])), [2, cond.prompts.length * TOKENS, W]),
        motion_scale: tensor(Float32Array.of(0), [1]),
        content_scale: tensor(Float32Array.of(1), [1]),
      };
      if (cond.mode === 'splice') {
        // the conditions are clean library frames: row 0's its own pair's, row 1's another pair's
        const sources = [seqs[5 * J + 3], seqs[2 * J + 7]];
        rows.forEach((r, b) => {
          r.full.set(sources[b].subarray(given[0] * D, given[1] * D), given[0] * D);
        });
        const condFrames = rows.flatMap((r) => [...r.full.subarray(given[0] * D, given[1] * D)]);
        feeds.cond_input = tensor(Float32Array.from(condFrames), [2, given[1] - given[0], ...FRAME]);
      }
      const out = (await session.run(feeds)).out.data as Float32Array;
      const per = out.length / 2;
      rows.forEach((r, b) => {
        const logits = b === 0 ? promptLogits(cond.prompts, words) : new Float64Array(I * J);
        const want = referenceV(seqs, logits, r.full, levels[r.t], given);
        assertClose(out.subarray(b * per, (b + 1) * per), want, 1e-5, `${variant} ${task} row ${b}`);
      });
      if (task === 'generate') {
        // the same thing through the shared mixture code (one level for all frames)
        const means = new Float32Array(seqs.length * T * D);
        for (const [p, m] of seqs.entries()) means.set(m, p * T * D);
        const mix = { means, variance: knobs.variance, logits: promptLogits(cond.prompts, words) };
        assertClose(out.subarray(0, per), mixtureV(mix, rows[0].full, levels[400]), 1e-5, `${variant} mixtureV`);
      }
    }
  });
}

test('the network level of each run-ending timestep is the level the sampler reconstructs with', () => {
  const shift = 3;
  const levels = zeroSnrLevels({ shift });
  const table = networkLevels(shift);
  for (const steps of [7, 25, 50, 333]) {
    const last = samplingSchedule(steps, { shift }).at(-1);
    assert.ok(last);
    assert.equal(table[last.timestep], snapAlpha(levels, last.alpha), `${steps} steps`);
  }
  assert.equal(table[999], 0);
  assert.equal(table[500], levels[500]);
});

function assertClose(got: Float32Array, want: Float32Array, tol: number, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  let worst = 0;
  let scale = 0;
  for (let e = 0; e < got.length; e++) {
    worst = Math.max(worst, Math.abs(got[e] - want[e]));
    scale = Math.max(scale, Math.abs(want[e]));
  }
  assert.ok(worst <= tol * Math.max(1, scale), `${what}: max error ${worst} (values up to ${scale})`);
}
