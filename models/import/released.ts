import { z } from 'zod';
import { type DitConfig, DitConfigSchema } from '../dit/config.ts';
import type { Task } from '../pack/schema.ts';

export type Variant = 'rgba' | 'rgb';

/** The reference DiT module of each variant (they differ in where conditions are spliced). */
export const REFERENCE_MODULES = { rgba: 'dit_video_concat', rgb: 'dit_video_concat_rgb' } as const;

/** How a task's DiT is called (buildDit options): the reference's task_idx, and whether a condition is appended. */
export interface DitCall {
  task: 0 | 1 | 2;
  conditioned: boolean;
}

export const DIT_CALLS: Record<Task, DitCall> = {
  generate: { task: 0, conditioned: false },
  decompose: { task: 0, conditioned: true },
  'fg-to-bg': { task: 1, conditioned: false },
  'bg-to-fg': { task: 2, conditioned: false },
};

/** What a released folder's name tells about the checkpoint inside (reference §2.4 table, configs/*.yaml). */
export interface ReleasedFacts {
  task: Task;
  variant: Variant;
  /** Layer embedder (learnable_txt_embed): RGBA generation, fg2bg and bg2fg only. */
  layerEmbedder: boolean;
  /** Prompts joined on the token axis: 3, or 2 for decomposition (text_length 678 / 452). */
  promptLayers: number;
  /** Latent frames of the stored position table (num_frames 64 / 65 / 49). */
  posFrames: number;
  /** Latent frames of one DiT call: generated + condition. */
  generatedFrames: number;
  condFrames: number;
  learnablePos: boolean;
}

const TASK_FOLDERS: Record<Task, string> = {
  generate: 'multi-layer-generation',
  decompose: 'multi-layer-decomposition',
  'fg-to-bg': 'foreground-conditioned-generation',
  'bg-to-fg': 'background-conditioned-generation',
};

/** Generated / condition latent frames per task and variant (reference §4.4). */
const FRAMES: Record<Variant, Record<Task, [number, number]>> = {
  rgba: { generate: [16, 0], decompose: [12, 4], 'fg-to-bg': [8, 9], 'bg-to-fg': [13, 4] },
  rgb: { generate: [12, 0], decompose: [10, 2], 'fg-to-bg': [8, 4], 'bg-to-fg': [8, 4] },
};

function facts(task: Task, variant: Variant): ReleasedFacts {
  const [generatedFrames, condFrames] = FRAMES[variant][task];
  const rgba = variant === 'rgba';
  return {
    task,
    variant,
    layerEmbedder: rgba && task !== 'decompose',
    promptLayers: task === 'decompose' ? 2 : 3,
    posFrames: rgba ? generatedFrames + condFrames : 13,
    generatedFrames,
    condFrames,
    learnablePos: task === 'decompose' || (!rgba && task !== 'generate'),
  };
}

/** The eight released folders (`zjuJish/LayerFlow/<folder>`), by name. */
export const RELEASED_FOLDERS: ReadonlyMap<string, ReleasedFacts> = new Map(
  (['rgba', 'rgb'] as const).flatMap((variant) =>
    (Object.keys(TASK_FOLDERS) as Task[]).map(
      (task) => [`${TASK_FOLDERS[task]}-${variant}`, facts(task, variant)] as const,
    ),
  ),
);

/**
 * The released DiT's config (configs/cogvideox_2b_stage2_<task>_<v>.yaml: CogVideoX-2B, 30 × 1920, LoRA 8 /
 * 256 on qkv and dense, 60×90 latents of 16 channels); `ranks` override the LoRA ranks the file's shapes show.
 */
export function releasedDitConfig(f: ReleasedFacts, ranks?: { motion_r: number; spatial_r: number }): DitConfig {
  return DitConfigSchema.parse({
    num_frames: f.variant === 'rgb' ? 49 : f.posFrames === 17 ? 65 : 64,
    time_compressed_rate: 4,
    pos_frames: f.posFrames,
    compressed_frames: f.generatedFrames + f.condFrames,
    latent_height: 60,
    latent_width: 90,
    patch_size: 2,
    in_channels: 16,
    out_channels: 16,
    hidden_size: 1920,
    num_layers: 30,
    num_attention_heads: 30,
    time_embed_dim: 512,
    text_hidden_size: 4096,
    text_length: 226 * f.promptLayers,
    height_interpolation: 1.875,
    width_interpolation: 1.875,
    learnable_txt_embed: f.layerEmbedder,
    learnable_pos_embed: f.learnablePos,
    reference_module: REFERENCE_MODULES[f.variant],
    lora: {
      motion_r: ranks?.motion_r ?? 8,
      spatial_r: ranks?.spatial_r ?? 256,
      targets: ['attention.query_key_value', 'attention.dense'],
    },
  });
}

/**
 * The task fields a golden file's (or release-tiny.json's) `config` carries besides the DiT's own:
 * task_idx (null = generation, 0 = decomposition, 1 = fg2bg, 2 = bg2fg) and the frames of one call.
 */
const CheckpointTaskSchema = z.object({
  task_idx: z
    .union([z.literal(0), z.literal(1), z.literal(2)])
    .nullable()
    .optional(),
  generated_frames: z.number().int().positive().optional(),
  cond_frames: z.number().int().min(0).optional(),
});

/**
 * An explicit config: a DitConfig plus, optionally, the task fields. The task and variant it states (task
 * fields, `reference_module`) come back; what it leaves out the released folder's name `named` fills in.
 */
export function parseCheckpointConfig(
  raw: unknown,
  named?: ReleasedFacts,
): { config: DitConfig; task?: Task; variant?: Variant } {
  const extra = CheckpointTaskSchema.parse(raw);
  const given = raw as { compressed_frames?: number; reference_module?: string };
  const filled = {
    ...(named ? { reference_module: REFERENCE_MODULES[named.variant] } : {}),
    ...(extra.generated_frames !== undefined
      ? { compressed_frames: extra.generated_frames + (extra.cond_frames ?? 0) }
      : {}),
    ...(raw as object),
  };
  const config = DitConfigSchema.parse(filled);
  const variant = given.reference_module === undefined ? undefined : variantOf(config);
  const task = taskOf(extra);
  return { config, ...(variant ? { variant } : {}), ...(task ? { task } : {}) };
}

export const variantOf = (c: DitConfig): Variant => (c.reference_module === 'dit_video_concat_rgb' ? 'rgb' : 'rgba');

function taskOf(extra: z.infer<typeof CheckpointTaskSchema>): Task | undefined {
  if (extra.task_idx === 1) return 'fg-to-bg';
  if (extra.task_idx === 2) return 'bg-to-fg';
  if (extra.task_idx === 0) return 'decompose';
  if (extra.task_idx === null || (extra.task_idx === undefined && extra.cond_frames === 0)) return 'generate';
  return undefined;
}
