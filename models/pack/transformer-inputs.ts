import type { GraphInput } from './onnx-inputs.ts';
import type { PackConfig, Task } from './schema.ts';

/**
 * Why a transformer graph cannot serve `task` under `config` (empty when it can). The graph is the one
 * models/dit/build.ts writes: x [B, T, C, h, w], timesteps [B], context [B, tokens, textHidden],
 * motion_scale, content_scale, and cond_input [B, Tc, C, h, w] for splice tasks, where T + Tc is the
 * task's latent sequence. Symbolic dims pass.
 */
export function transformerInputIssues(inputs: GraphInput[], config: PackConfig, task: Task): string[] {
  const byName = new Map(inputs.map((i) => [i.name, i]));
  const condition = config.condition[task];
  const issues: string[] = [];
  for (const name of ['x', 'timesteps', 'context']) if (!byName.has(name)) issues.push(`no input ${name}`);
  if (!condition || issues.length) return issues;
  const x = byName.get('x') as GraphInput;
  const cond = byName.get('cond_input');
  const h = config.size.height / config.spatialCompression;
  const w = config.size.width / config.spatialCompression;
  const tokens = condition.prompts.length * config.textTokensPerLayer;
  issues.push(...dimIssues(byName.get('context') as GraphInput, [undefined, tokens, config.textHidden]));
  const total =
    config.layerOrder.length * (config.framesPerLayer / config.temporalCompression) +
    (condition.duplicateFirstFrame ? 1 : 0);
  const condFrames = condition.mode === 'splice' && condition.frames ? condition.frames[1] - condition.frames[0] : 0;
  if (condFrames && !cond) issues.push(`task ${task} splices a condition but the graph has no cond_input`);
  if (!condFrames && cond) issues.push(`task ${task} has no spliced condition but the graph takes cond_input`);
  if (cond) issues.push(...dimIssues(cond, [undefined, condFrames, config.latentChannels, h, w]));
  issues.push(...dimIssues(x, [undefined, total - condFrames, config.latentChannels, h, w]));
  return issues;
}

/** Mismatches between an input's dims and the wanted ones (undefined = any; symbolic dims pass). */
function dimIssues(input: GraphInput, want: (number | undefined)[]): string[] {
  const issues: string[] = [];
  if (input.dims.length !== want.length)
    return [`${input.name} has ${input.dims.length} dims, expected ${want.length}`];
  want.forEach((w, axis) => {
    const d = input.dims[axis];
    if (w !== undefined && typeof d === 'number' && d !== w)
      issues.push(`${input.name} dim ${axis} is ${d}, the config implies ${w}`);
  });
  return issues;
}
