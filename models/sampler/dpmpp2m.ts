import { z } from 'zod';
import { denoisedFromV, snapAlpha } from './denoiser.ts';
import { applyCfg, DynamicCfgParams, dynamicCfgScale } from './guidance.ts';
import { type ScheduleStep, samplingSchedule, zeroSnrLevels } from './schedule.ts';

/** The user-facing sampler settings (reference: 50 steps, shift 3, dynamic CFG scale 6, exp 5). */
export const SamplerParams = z.object({
  steps: z.number().int().min(1).max(1000),
  shift: z.number().positive(),
  guidance: DynamicCfgParams.nullable(),
});
export type SamplerParams = z.infer<typeof SamplerParams>;

export type Row = 'cond' | 'uncond';
/** Latent shape [B, T, C, H, W], row-major. */
export type LatentShape = readonly [number, number, number, number, number];

/** One network evaluation for one conditioning row: returns the v-prediction for x (same length). */
export type RowNetwork = (x: Float32Array, timestep: number, alphaQ: number, row: Row) => Promise<Float32Array>;
/** All rows at once (the DiT runs them as one batch): returns one v-prediction per row, in `rows` order. */
export type BatchNetwork = (
  x: Float32Array,
  timestep: number,
  alphaQ: number,
  rows: readonly Row[],
) => Promise<Float32Array[]>;

export interface SampleOptions extends SamplerParams {
  x: Float32Array;
  shape: LatentShape;
  /** Exactly one of `network` (per row) or `batchNetwork` (rows as one batch). */
  network?: RowNetwork;
  batchNetwork?: BatchNetwork;
  /** Standard-normal draws of the given length (seeded: see noise.ts gaussianNoise). */
  noise: (length: number) => Float32Array;
  /** Decomposition: frames `from`..T-1 hold clean latents (B × (T−from) × C × H × W), restored every step. */
  fixedFrames?: { from: number; latents: Float32Array };
  signal?: AbortSignal;
  /** Called after each step with fresh arrays (safe to keep): the guided denoised estimate and the new x. */
  onStep?: (i: number, n: number, denoised: Float32Array, x: Float32Array) => void | Promise<void>;
}

/**
 * VP-SDE DPM-Solver++(2M) as reference sampling.py VPSDEDPMPP2MSampler, with DiscreteDenoiser/VideoScaling
 * and optional DynamicCFG. Returns the final latent.
 */
export async function sampleDpmpp2m(opts: SampleOptions): Promise<Float32Array> {
  const params = SamplerParams.parse({ steps: opts.steps, shift: opts.shift, guidance: opts.guidance });
  checkShape(opts.x, opts.shape);
  const evaluate = networkOf(opts);
  const restore = opts.fixedFrames ? frameRestorer(opts.shape, opts.fixedFrames) : (x: Float32Array) => x;
  const levels = zeroSnrLevels({ shift: params.shift });
  const schedule = samplingSchedule(params.steps, { shift: params.shift });
  const rows: Row[] = params.guidance ? ['uncond', 'cond'] : ['cond'];
  let x = opts.x; // never written: every step makes new arrays
  let oldDenoised: Float32Array | null = null;
  for (let i = 0; i < schedule.length; i++) {
    opts.signal?.throwIfAborted();
    const step = schedule[i];
    x = restore(x);
    const alphaQ = snapAlpha(levels, step.alpha);
    const vs = await evaluate(x, step.timestep, alphaQ, rows);
    const estimates = vs.map((v) => denoisedFromV(x, v, alphaQ, new Float32Array(x.length)));
    const denoised = params.guidance
      ? applyCfg(
          estimates[0],
          estimates[1],
          dynamicCfgScale(params.guidance, params.steps, step.timestep),
          estimates[0],
        )
      : estimates[0];
    // as reference: the last step (next alpha = 1) returns the denoised estimate itself
    x = i === schedule.length - 1 ? Float32Array.from(denoised) : dpmStep(x, denoised, oldDenoised, step, opts.noise);
    oldDenoised = denoised;
    await opts.onStep?.(i, schedule.length, denoised, x);
  }
  return restore(x);
}

/** One DPM-Solver++(2M) SDE update; log-SNR is −∞ at alpha 0 and the infinities cancel as in the reference. */
function dpmStep(
  x: Float32Array,
  denoised: Float32Array,
  oldDenoised: Float32Array | null,
  step: ScheduleStep,
  noise: (length: number) => Float32Array,
): Float32Array {
  const { alpha, nextAlpha, prevAlpha } = step;
  const lamb = logSnrHalf(alpha);
  const h = logSnrHalf(nextAlpha) - lamb;
  const mult1 = Math.sqrt((1 - nextAlpha ** 2) / (1 - alpha ** 2)) * Math.exp(-h);
  const mult2 = Math.expm1(-2 * h) * nextAlpha;
  const multNoise = Math.sqrt(1 - nextAlpha ** 2) * Math.sqrt(-Math.expm1(-2 * h));
  let mult3 = 1;
  let mult4 = 0;
  if (oldDenoised && prevAlpha !== null) {
    const r = (lamb - logSnrHalf(prevAlpha)) / h;
    mult3 = 1 + 1 / (2 * r);
    mult4 = 1 / (2 * r);
  }
  const eps = noise(x.length);
  if (eps.length !== x.length) throw new RangeError(`noise source gave ${eps.length} values, expected ${x.length}`);
  const out = new Float32Array(x.length);
  for (let j = 0; j < x.length; j++) {
    const d = oldDenoised ? mult3 * denoised[j] - mult4 * oldDenoised[j] : denoised[j];
    out[j] = mult1 * x[j] - mult2 * d + multNoise * eps[j];
  }
  return out;
}

/** log(sqrt(a²/(1−a²))): half the log-SNR at signal level a. */
function logSnrHalf(a: number): number {
  return Math.log(Math.sqrt((a * a) / (1 - a * a)));
}

function checkShape(x: Float32Array, shape: LatentShape): void {
  if (shape.length !== 5 || shape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new RangeError(`latent shape must be 5 positive integers [B,T,C,H,W], got [${shape.join(',')}]`);
  }
  const size = shape.reduce((a, b) => a * b, 1);
  if (x.length !== size)
    throw new RangeError(`latent x has ${x.length} values, shape [${shape.join(',')}] needs ${size}`);
}

function networkOf(opts: SampleOptions): BatchNetwork {
  if (!!opts.network === !!opts.batchNetwork) throw new TypeError('give exactly one of network or batchNetwork');
  const batched: BatchNetwork =
    opts.batchNetwork ??
    (async (x, t, a, rows) => {
      const out: Float32Array[] = [];
      for (const row of rows) out.push(await (opts.network as RowNetwork)(x, t, a, row));
      return out;
    });
  return async (x, t, a, rows) => {
    const vs = await batched(x, t, a, rows);
    if (vs.length !== rows.length) throw new RangeError(`network returned ${vs.length} rows, expected ${rows.length}`);
    return vs;
  };
}

/** Returns a function giving a copy of x with the clean condition frames written back. */
function frameRestorer(
  shape: LatentShape,
  fixed: { from: number; latents: Float32Array },
): (x: Float32Array) => Float32Array {
  const [b, t, c, h, w] = shape;
  if (!Number.isInteger(fixed.from) || fixed.from < 0 || fixed.from >= t) {
    throw new RangeError(`fixedFrames.from must be an integer in 0..${t - 1}, got ${fixed.from}`);
  }
  const frame = c * h * w;
  const kept = (t - fixed.from) * frame;
  if (fixed.latents.length !== b * kept) {
    throw new RangeError(
      `fixedFrames.latents has ${fixed.latents.length} values, expected ${b}×${t - fixed.from}×${c}×${h}×${w}`,
    );
  }
  return (x) => {
    const y = Float32Array.from(x);
    for (let i = 0; i < b; i++)
      y.set(fixed.latents.subarray(i * kept, (i + 1) * kept), i * t * frame + fixed.from * frame);
    return y;
  };
}
