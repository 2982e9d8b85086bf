import { z } from 'zod';

/** Dynamic classifier-free guidance (reference guiders.py DynamicCFG). */
export const DynamicCfgParams = z.object({
  scale: z.number(),
  exp: z.number(),
});
export type DynamicCfgParams = z.infer<typeof DynamicCfgParams>;

/**
 * scale(t) = 1 + s·(1 − cos(π·((numSteps − timestep)/numSteps)^exp))/2 with the integer training timestep,
 * exactly as the reference computes it (so the step index runs negative for most of the run).
 */
export function dynamicCfgScale(p: DynamicCfgParams, numSteps: number, timestep: number): number {
  const base = (numSteps - timestep) / numSteps;
  const powered = base ** p.exp;
  if (Number.isNaN(powered)) {
    // Python raises here too (a negative base to a fractional power is complex)
    throw new RangeError(`dynamic CFG exponent ${p.exp} must be an integer: the step index is negative`);
  }
  return 1 + (p.scale * (1 - Math.cos(Math.PI * powered))) / 2;
}

/** uncond + scale · (cond − uncond), written into `out`. */
export function applyCfg(uncond: Float32Array, cond: Float32Array, scale: number, out: Float32Array): Float32Array {
  for (let i = 0; i < out.length; i++) out[i] = uncond[i] + scale * (cond[i] - uncond[i]);
  return out;
}
