import assert from 'node:assert/strict';
import { test } from 'node:test';
import { snapAlpha } from '../../models/sampler/denoiser.ts';
import { type Row, sampleDpmpp2m } from '../../models/sampler/dpmpp2m.ts';
import { samplingSchedule, zeroSnrLevels } from '../../models/sampler/schedule.ts';
import { goldenNetwork, readGoldenSamplerFiles } from './sampler-golden-network.ts';

const TOL = 1e-4;

/** max |got − want| / max |want|: the error relative to the array's scale. */
function relError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  assert.equal(got.length, want.length, 'length');
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return diff / Math.max(scale, 1e-12);
}

function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, where: string): void {
  const err = relError(got, want);
  assert.ok(err <= TOL, `${where}: relative error ${err.toExponential(2)} > ${TOL}`);
}

let goldens: ReturnType<typeof readGoldenSamplerFiles> = [];
try {
  goldens = readGoldenSamplerFiles();
} catch (e) {
  test('golden sampler: files', () => {
    throw e;
  });
}

for (const { name, file } of goldens) {
  const guidance = file.guidance.type === 'none' ? null : { scale: file.guidance.scale, exp: file.guidance.exp };
  const levels = zeroSnrLevels({ shift: file.discretization.shift_scale });

  test(`golden sampler ${name}: schedule`, () => {
    const schedule = samplingSchedule(file.num_steps, { shift: file.discretization.shift_scale });
    assert.equal(schedule.length, file.steps.length, `${name}: step count`);
    file.steps.forEach((want, i) => {
      const got = schedule[i];
      const where = `${name} step ${i}`;
      assert.equal(got.timestep, want.timestep, `${where}: timestep`);
      assertClose(
        [got.alpha, got.nextAlpha, got.prevAlpha ?? 0],
        [want.alpha, want.next_alpha, want.prev_alpha ?? 0],
        `${where}: alpha/next/prev`,
      );
      assertClose([snapAlpha(levels, got.alpha)], [want.alpha_q], `${where}: alpha_q`);
    });
  });

  test(`golden sampler ${name}: steps and result`, async () => {
    const network = goldenNetwork(file);
    const seen: { x: Float32Array; timestep: number; alphaQ: number; rows: Row[] }[] = [];
    let step = 0;
    const [b, t, c, h, w] = file.shape;
    const from = file.fixed_frames;
    const result = await sampleDpmpp2m({
      x: Float32Array.from(file.x_init),
      shape: file.shape,
      steps: file.num_steps,
      shift: file.discretization.shift_scale,
      guidance,
      batchNetwork: async (x, timestep, alphaQ, rows) => {
        seen.push({ x: Float32Array.from(x), timestep, alphaQ, rows: [...rows] });
        return Promise.all(rows.map((row) => network(x, timestep, alphaQ, row)));
      },
      noise: (length) => {
        const recorded = file.steps[step].noise;
        assert.ok(recorded, `${name} step ${step}: sampler drew noise where the reference adds none`);
        assert.equal(length, recorded.length);
        return Float32Array.from(recorded);
      },
      fixedFrames: from > 0 ? { from, latents: conditionFrames(file.x_init, [b, t, c, h, w], from) } : undefined,
      onStep: (i, n, denoised, x) => {
        const want = file.steps[i];
        const where = `${name} step ${i}/${n}`;
        assert.equal(seen[i].timestep, want.timestep, `${where}: network timestep`);
        assertClose([seen[i].alphaQ], [want.alpha_q], `${where}: network alpha_q`);
        assert.deepEqual(seen[i].rows, guidance ? ['uncond', 'cond'] : ['cond'], `${where}: rows`);
        assertClose(seen[i].x, want.x_in, `${where}: x_in`);
        assertClose(denoised, want.denoised, `${where}: denoised`);
        assertClose(x, want.x_out, `${where}: x_out`);
        step = i + 1;
      },
    });
    assert.equal(step, file.steps.length, `${name}: steps run`);
    assertClose(result, file.result, `${name}: result`);
  });
}

/** Frames `from`..T−1 of each batch row: the clean condition the reference keeps in x_init. */
function conditionFrames(x: number[], [b, t, c, h, w]: number[], from: number): Float32Array {
  const frame = c * h * w;
  const out: number[] = [];
  for (let i = 0; i < b; i++) out.push(...x.slice((i * t + from) * frame, (i + 1) * t * frame));
  return Float32Array.from(out);
}
