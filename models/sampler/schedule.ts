import { z } from 'zod';

/** Parameters of the zero-terminal-SNR DDPM schedule (reference discretizer.py ZeroSNRDDPMDiscretization). */
export const ZeroSnrScheduleParams = z.object({
  linearStart: z.number().positive().default(0.00085),
  linearEnd: z.number().positive().default(0.012),
  numTimesteps: z.number().int().min(2).default(1000),
  shift: z.number().positive().default(3),
});
export type ZeroSnrScheduleParams = z.input<typeof ZeroSnrScheduleParams>;

const f32 = Math.fround;

/** sqrt of the SNR-shifted alphas_cumprod per training timestep t, before the zero-SNR rescale. */
function shiftedRootAlphas(params: ZeroSnrScheduleParams): Float64Array {
  const { linearStart, linearEnd, numTimesteps, shift } = ZeroSnrScheduleParams.parse(params);
  const lo = Math.sqrt(linearStart);
  const hi = Math.sqrt(linearEnd);
  const step = (hi - lo) / (numTimesteps - 1);
  const roots = new Float64Array(numTimesteps);
  let cumprod = 1;
  for (let t = 0; t < numTimesteps; t++) {
    // torch.linspace fills the second half backwards from the end
    const root = t < numTimesteps / 2 ? lo + t * step : hi - (numTimesteps - 1 - t) * step;
    cumprod *= 1 - root * root;
    // as reference: SNR shift on alphas_cumprod in float64, then float32 from here on
    roots[t] = f32(Math.sqrt(f32(cumprod / (shift + (1 - shift) * cumprod))));
  }
  return roots;
}

/** Shift and scale so the last value is 0 and the first unchanged (float32, as the reference). */
function rescaleToZeroSnr(roots: Float64Array): Float64Array {
  const first = roots[0];
  const last = roots[roots.length - 1];
  const gain = f32(first / f32(first - last));
  return roots.map((r) => f32(f32(r - last) * gain));
}

/**
 * The denoiser's 1000 training levels: sqrt(alphas_cumprod) per training timestep t, zero-SNR rescaled over
 * all timesteps (level[0] ≈ 1, level[last] = 0).
 */
export function zeroSnrLevels(params: ZeroSnrScheduleParams = {}): Float64Array {
  return rescaleToZeroSnr(shiftedRootAlphas(params));
}

/** The training timesteps a sampler with `steps` steps visits, in increasing order (reference generate_roughly_equally_spaced_steps). */
export function spacedTimesteps(steps: number, numTimesteps: number): number[] {
  if (!Number.isInteger(steps) || steps < 1 || steps > numTimesteps) {
    throw new RangeError(`steps must be an integer in 1..${numTimesteps}, got ${steps}`);
  }
  const delta = -(numTimesteps - 1) / steps; // numpy linspace(max-1, 0, n, endpoint=False): k*step + start
  const out: number[] = [];
  for (let k = 0; k < steps; k++) out.push(Math.trunc(k * delta + (numTimesteps - 1)));
  return out.reverse();
}

/** One sampler step's schedule values: the noise level it starts from, the next one, and the training timestep. */
export interface ScheduleStep {
  timestep: number;
  alpha: number;
  nextAlpha: number;
  prevAlpha: number | null;
}

/**
 * The per-step schedule of a sampling run: alpha goes 0 → … → 1 (appended). As reference get_sigmas, the
 * zero-SNR rescale runs over the visited timesteps only, so alpha differs slightly from the training level.
 */
export function samplingSchedule(steps: number, params: ZeroSnrScheduleParams = {}): ScheduleStep[] {
  const roots = shiftedRootAlphas(params);
  const ascending = spacedTimesteps(steps, roots.length);
  const visited = rescaleToZeroSnr(Float64Array.from(ascending, (t) => roots[t]));
  const alphas = [...Array.from(visited).reverse(), 1];
  const timesteps = ascending.reverse();
  return timesteps.map((timestep, i) => ({
    timestep,
    alpha: alphas[i],
    nextAlpha: alphas[i + 1],
    prevAlpha: i === 0 ? null : alphas[i - 1],
  }));
}
