/** Robust summaries of repeated measurements: median with min/max and the interquartile range. */

export interface Summary {
  n: number;
  median: number;
  min: number;
  max: number;
  /** First and third quartiles (linear interpolation between order statistics). */
  q1: number;
  q3: number;
}

/** The value at fraction `p` (0..1) of the sorted samples, interpolating linearly between neighbours. */
export function quantile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new RangeError('quantile of no samples');
  if (p < 0 || p > 1) throw new RangeError(`quantile fraction ${p} is outside [0, 1]`);
  const at = (sorted.length - 1) * p;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

/** Median, extremes and quartiles of the samples (order does not matter). */
export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new RangeError('summary of no samples');
  if (samples.some((s) => !Number.isFinite(s))) throw new RangeError('samples must be finite numbers');
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    n: sorted.length,
    median: quantile(sorted, 0.5),
    min: sorted[0],
    max: sorted[sorted.length - 1],
    q1: quantile(sorted, 0.25),
    q3: quantile(sorted, 0.75),
  };
}

/** Per-repetition ratios a[i] / b[i] of two paired series timed in the same repetition. */
export function pairedRatios(a: readonly number[], b: readonly number[]): number[] {
  if (a.length !== b.length) throw new RangeError(`paired series differ in length (${a.length} vs ${b.length})`);
  return a.map((x, i) => x / b[i]);
}

/**
 * The ratio of two independently repeated series as median(a) / median(b), with a conservative range
 * min(a)/max(b) .. max(a)/min(b) (used where the two sides cannot be paired one to one).
 */
export function ratioOfMedians(a: readonly number[], b: readonly number[]): Summary {
  const sa = summarize(a);
  const sb = summarize(b);
  return {
    n: Math.min(sa.n, sb.n),
    median: sa.median / sb.median,
    min: sa.min / sb.max,
    max: sa.max / sb.min,
    q1: sa.q1 / sb.q3,
    q3: sa.q3 / sb.q1,
  };
}

/** Wall times in milliseconds of `reps` runs of `fn` after `warmup` untimed ones. */
export async function timeRuns(fn: () => unknown | Promise<unknown>, reps: number, warmup = 1): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < reps; i++) {
    const start = performance.now();
    await fn();
    out.push(performance.now() - start);
  }
  return out;
}

/** `v` rounded to `digits` significant digits (for tables and JSON). */
export function round(v: number, digits = 3): number {
  return Number.isFinite(v) ? Number(v.toPrecision(digits)) : v;
}
