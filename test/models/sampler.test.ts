import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type RowNetwork, sampleDpmpp2m } from '../../models/sampler/dpmpp2m.ts';
import { dynamicCfgScale } from '../../models/sampler/guidance.ts';
import { mixturePosteriorMean } from '../../models/sampler/mixture.ts';
import { gaussianNoise } from '../../models/sampler/noise.ts';
import { samplingSchedule } from '../../models/sampler/schedule.ts';

const shape = [2, 3, 2, 3, 5] as const; // odd sizes, B = 2
const size = shape.reduce((a, b) => a * b, 1);
const perBatch = size / shape[0];

/** A mixture network over random means (cond and uncond rows differ in their logits). */
function mixtureNetwork(seed: number): RowNetwork {
  const means = gaussianNoise(seed)(3 * perBatch);
  return async (x, _t, alphaQ, row) => {
    const logits = row === 'cond' ? [2, -1, 0.5] : [0, 0, 0];
    const out = new Float32Array(x.length);
    for (let b = 0; b < shape[0]; b++) {
      const xs = x.subarray(b * perBatch, (b + 1) * perBatch);
      const x0 = mixturePosteriorMean({ means, variance: 0.05, logits }, xs, alphaQ);
      const s = Math.sqrt(1 - alphaQ * alphaQ);
      for (let j = 0; j < perBatch; j++) out[b * perBatch + j] = (alphaQ * xs[j] - x0[j]) / s;
    }
    return out;
  };
}

const base = { shape, steps: 8, shift: 3, guidance: { scale: 6, exp: 5 } };

test('gaussianNoise is deterministic per seed and standard normal', () => {
  assert.deepEqual(gaussianNoise(42)(1001), gaussianNoise(42)(1001));
  assert.notDeepEqual(gaussianNoise(42)(16), gaussianNoise(43)(16));
  const draws = gaussianNoise(7)(200_001);
  const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
  const variance = draws.reduce((a, b) => a + (b - mean) ** 2, 0) / draws.length;
  assert.ok(Math.abs(mean) < 0.01, `mean ${mean}`);
  assert.ok(Math.abs(variance - 1) < 0.01, `variance ${variance}`);
});

test('sampler: per-row and batched networks give the same result, deterministic for a seed', async () => {
  const network = mixtureNetwork(1);
  const x = gaussianNoise(2)(size);
  const a = await sampleDpmpp2m({ ...base, x, network, noise: gaussianNoise(3) });
  const b = await sampleDpmpp2m({
    ...base,
    x,
    batchNetwork: (xs, t, q, rows) => Promise.all(rows.map((r) => network(xs, t, q, r))),
    noise: gaussianNoise(3),
  });
  assert.deepEqual(a, b);
  const c = await sampleDpmpp2m({ ...base, x, network, noise: gaussianNoise(4) });
  assert.notDeepEqual(a, c);
});

test('sampler: fixed frames hold the clean condition in the result and in every network input', async () => {
  const from = 1;
  const latents = gaussianNoise(5)(shape[0] * (shape[1] - from) * 30);
  const inner = mixtureNetwork(1);
  const network: RowNetwork = async (x, t, q, row) => {
    for (let b = 0; b < shape[0]; b++) {
      assert.deepEqual(x.subarray(b * perBatch + 30, (b + 1) * perBatch), latents.subarray(b * 60, (b + 1) * 60));
    }
    return inner(x, t, q, row);
  };
  const result = await sampleDpmpp2m({
    ...base,
    x: gaussianNoise(2)(size),
    network,
    noise: gaussianNoise(3),
    fixedFrames: { from, latents },
  });
  assert.deepEqual(result.subarray(30, 90), latents.subarray(0, 60));
  assert.deepEqual(result.subarray(120, 180), latents.subarray(60, 120));
});

test('sampler: abort stops before the next network call; onStep sees every step', async () => {
  const controller = new AbortController();
  let calls = 0;
  const inner = mixtureNetwork(1);
  const seen: number[] = [];
  await assert.rejects(
    sampleDpmpp2m({
      ...base,
      guidance: null,
      x: gaussianNoise(2)(size),
      network: (x, t, q, r) => {
        calls++;
        return inner(x, t, q, r);
      },
      noise: gaussianNoise(3),
      signal: controller.signal,
      onStep: (i, n) => {
        seen.push(i);
        assert.equal(n, 8);
        if (i === 2) controller.abort();
      },
    }),
    { name: 'AbortError' },
  );
  assert.equal(calls, 3);
  assert.deepEqual(seen, [0, 1, 2]);
});

test('sampler: bad inputs are named', async () => {
  const network = mixtureNetwork(1);
  const noise = gaussianNoise(3);
  await assert.rejects(
    sampleDpmpp2m({ ...base, x: new Float32Array(size - 1), network, noise }),
    /latent x has 179 values/,
  );
  await assert.rejects(
    sampleDpmpp2m({ ...base, x: new Float32Array(size), noise }),
    /exactly one of network or batchNetwork/,
  );
  await assert.rejects(
    sampleDpmpp2m({ ...base, x: new Float32Array(size), network: async () => new Float32Array(3), noise }),
    /network output has 3 values/,
  );
  await assert.rejects(
    sampleDpmpp2m({
      ...base,
      x: new Float32Array(size),
      network,
      noise,
      fixedFrames: { from: 3, latents: new Float32Array(0) },
    }),
    /fixedFrames.from/,
  );
  assert.throws(() => dynamicCfgScale({ scale: 6, exp: 2.5 }, 50, 999), /must be an integer/);
});

test('schedule: 0 at the first step, 1 after the last, timesteps descending', () => {
  const s = samplingSchedule(13, { shift: 3 });
  assert.equal(s[0].alpha, 0);
  assert.equal(s[0].timestep, 999);
  assert.equal(s.at(-1)?.nextAlpha, 1);
  for (let i = 1; i < s.length; i++) {
    assert.ok(s[i].timestep < s[i - 1].timestep);
    assert.ok(s[i].alpha > s[i - 1].alpha);
  }
});

test('mixture posterior mean: the weighted prior mean at alpha 0, the nearest component near alpha 1', () => {
  const means = Float32Array.from([1, 2, 3, -1, -2, -3]);
  const logits = [Math.log(3), 0];
  const prior = mixturePosteriorMean({ means, variance: 0.1, logits }, [9, 9, 9], 0);
  assert.deepEqual(
    Array.from(prior, (v) => Number(v.toFixed(5))),
    [0.5, 1, 1.5],
  );
  const near = mixturePosteriorMean({ means, variance: 1e-4, logits }, [-0.99, -2.01, -3], 0.999);
  assert.ok(
    near.every((v, j) => Math.abs(v - means[3 + j]) < 0.02),
    `${near}`,
  );
});
