/**
 * The exact denoiser of a Gaussian mixture: data x0 ~ Σ_k π_k N(m_k, var·I), noised as x = a·x0 + s·ε with
 * s = sqrt(1 − a²). Used as the golden files' stand-in network and by the demo pack (a library of clips).
 */
export interface GaussianMixture {
  /** K means of D values each, row-major (K·D). */
  means: Float32Array;
  /** Per-component variance of the data around its mean. */
  variance: number;
  /** K unnormalised log weights (the conditional or unconditional row's logits). */
  logits: ArrayLike<number>;
}

/** E[x0 | x] at signal level `alpha`: Σ_k w_k (m_k + (a·var/tot)(x − a·m_k)), tot = a²·var + s². */
export function mixturePosteriorMean(
  mix: GaussianMixture,
  x: ArrayLike<number>,
  alpha: number,
  out?: Float32Array,
): Float32Array {
  const k = mix.logits.length;
  const d = x.length;
  if (mix.means.length !== k * d) {
    throw new RangeError(`mixture means hold ${mix.means.length} values, expected ${k} components × ${d}`);
  }
  const tot = alpha * alpha * mix.variance + (1 - alpha * alpha);
  const weights = componentWeights(mix, x, alpha, tot);
  const gain = (alpha * mix.variance) / tot;
  const result = out ?? new Float32Array(d);
  for (let j = 0; j < d; j++) {
    let acc = 0;
    for (let c = 0; c < k; c++) {
      const m = mix.means[c * d + j];
      acc += weights[c] * (m + gain * (x[j] - alpha * m));
    }
    result[j] = acc;
  }
  return result;
}

/** The v-prediction of the mixture: v = (a·x − x0)/s (so VideoScaling's a·x − s·v gives back x0). */
export function mixtureV(mix: GaussianMixture, x: ArrayLike<number>, alpha: number, out?: Float32Array): Float32Array {
  const s = Math.sqrt(1 - alpha * alpha);
  const x0 = mixturePosteriorMean(mix, x, alpha, out);
  for (let j = 0; j < x0.length; j++) x0[j] = (alpha * x[j] - x0[j]) / s;
  return x0;
}

/** Posterior component weights softmax_k(log_softmax(logits)_k − |x − a·m_k|²/(2·tot)), computed stably. */
function componentWeights(mix: GaussianMixture, x: ArrayLike<number>, alpha: number, tot: number): Float64Array {
  const k = mix.logits.length;
  const d = x.length;
  const logw = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    let dist = 0;
    for (let j = 0; j < d; j++) {
      const diff = x[j] - alpha * mix.means[c * d + j];
      dist += diff * diff;
    }
    // log_softmax(logits) only shifts all terms equally, so the raw logit gives the same softmax
    logw[c] = mix.logits[c] - dist / (2 * tot);
  }
  let max = Number.NEGATIVE_INFINITY;
  for (const v of logw) max = Math.max(max, v);
  let sum = 0;
  for (let c = 0; c < k; c++) {
    logw[c] = Math.exp(logw[c] - max);
    sum += logw[c];
  }
  for (let c = 0; c < k; c++) logw[c] /= sum;
  return logw;
}
