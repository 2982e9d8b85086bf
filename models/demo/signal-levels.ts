import { snapAlpha } from '../sampler/denoiser.ts';
import { samplingSchedule, zeroSnrLevels } from '../sampler/schedule.ts';

/**
 * The signal level a closed-form network should assume when called with training timestep t. The
 * reference sampler passes the step's timestep to the network but reconstructs x0 with the level its
 * denoiser snaps the step's alpha to, which can be the next level down (golden sampler files: t = 39
 * runs with levels[38]). A run's last step returns that reconstruction as the result, so there the two
 * must agree exactly: the last step's alpha is the un-rescaled schedule value of its timestep whatever
 * the step count, so its snapped level is a function of t, and this table holds it for every timestep
 * that ends a run of 2..1000 steps. Elsewhere it is levels[t] (at most one level off mid-run, which only
 * nudges the path).
 */
export function networkLevels(shift: number): Float64Array {
  const levels = zeroSnrLevels({ shift });
  const table = Float64Array.from(levels);
  for (let steps = 2; steps <= levels.length; steps++) {
    const last = samplingSchedule(steps, { shift }).at(-1);
    if (last) table[last.timestep] = snapAlpha(levels, last.alpha);
  }
  return table;
}
