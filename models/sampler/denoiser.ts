/**
 * DiscreteDenoiser + VideoScaling (reference denoiser.py, denoiser_scaling.py): v-prediction with alpha
 * snapped to the nearest training level for c_skip / c_out.
 */

/** The training level nearest to `alpha` (first on ties, like torch argmin). */
export function snapAlpha(levels: Float64Array, alpha: number): number {
  let best = 0;
  let bestDist = Number.POSITIVE_INFINITY;
  for (let i = 0; i < levels.length; i++) {
    const d = Math.abs(alpha - levels[i]);
    if (d < bestDist) {
      bestDist = d;
      best = i;
    }
  }
  return levels[best];
}

/** VideoScaling: c_skip = alpha, c_out = -sqrt(1 - alpha²) (c_in = 1; c_noise is the integer timestep). */
export function videoScaling(alphaQ: number): { cSkip: number; cOut: number } {
  return { cSkip: alphaQ, cOut: -Math.sqrt(1 - alphaQ * alphaQ) };
}

/** denoised = c_skip · x + c_out · v, written into `out`. */
export function denoisedFromV(x: Float32Array, v: Float32Array, alphaQ: number, out: Float32Array): Float32Array {
  if (v.length !== x.length) throw new RangeError(`network output has ${v.length} values, expected ${x.length}`);
  const { cSkip, cOut } = videoScaling(alphaQ);
  for (let i = 0; i < x.length; i++) out[i] = cSkip * x[i] + cOut * v[i];
  return out;
}
