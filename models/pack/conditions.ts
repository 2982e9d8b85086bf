import type { PackLayer, Task, TaskCondition } from './schema.ts';

/** Layer order along the latent sequence per variant (reference data_video.py). */
export function layerOrderOf(variant: 'rgb' | 'rgba'): PackLayer[] {
  return variant === 'rgba' ? ['foreground', 'alpha', 'background', 'blend'] : ['foreground', 'background', 'blend'];
}

const ALL_PROMPTS: PackLayer[] = ['foreground', 'background', 'blend'];

/**
 * The released models' task conditions for `k` latent frames per layer, as data. From the reference
 * (diffusion_video.py / diffusion_video_rgb.py `log_video`, dit_video_concat*.py `forward`, k = 4):
 * - RGBA duplicates the first pixel frame only for fg-to-bg and bg-to-fg (`noised_image_input` and not
 *   `seg_only`), so those see 1 + 4k latent frames; generate and decompose see 4k; RGB never duplicates.
 * - fg-to-bg (task_idx 1) gives z[:, :9] (RGBA: dup + fg + alpha) / z[:, :4] (RGB); bg-to-fg (task_idx 2)
 *   gives z[:, 9:13] / z[:, 4:8]; decompose appends z[:, -4:] (RGBA) / z[:, -2:] (RGB: half the blend).
 * - Decomposition encodes two prompts, fg and bg (its configs set `two_text`, text_length 452).
 */
export function referenceConditions(variant: 'rgb' | 'rgba', k: number): Record<Task, TaskCondition> {
  const rgba = variant === 'rgba';
  const total = (rgba ? 4 : 3) * k;
  const gen: TaskCondition = { prompts: ALL_PROMPTS, given: [], mode: 'none', taskIdx: 0, duplicateFirstFrame: false };
  const decomposeFrames = rgba ? k : Math.ceil(k / 2);
  const splice = (given: PackLayer[], taskIdx: number, frames: [number, number], dup: boolean): TaskCondition => ({
    prompts: ALL_PROMPTS,
    given,
    mode: 'splice',
    taskIdx,
    duplicateFirstFrame: dup,
    frames,
  });
  return {
    generate: gen,
    decompose: {
      ...splice(['blend'], 0, [total - decomposeFrames, total], false),
      prompts: ['foreground', 'background'],
    },
    'fg-to-bg': rgba
      ? splice(['foreground', 'alpha'], 1, [0, 1 + 2 * k], true)
      : splice(['foreground'], 1, [0, k], false),
    'bg-to-fg': rgba
      ? splice(['background'], 2, [1 + 2 * k, 1 + 3 * k], true)
      : splice(['background'], 2, [k, 2 * k], false),
  };
}
