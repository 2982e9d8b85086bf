import { z } from 'zod';

/** Layers as they stand along the latent sequence (reference data_video.py: fg, [alpha], bg, blend). */
export const PackLayerSchema = z.enum(['foreground', 'alpha', 'background', 'blend']);
export type PackLayer = z.infer<typeof PackLayerSchema>;

/** The four released task families. */
export const TaskSchema = z.enum(['generate', 'decompose', 'fg-to-bg', 'bg-to-fg']);
export type Task = z.infer<typeof TaskSchema>;

/**
 * File roles a LayerFlow pack holds; `transformer.<task>` when a pack carries one DiT per task, and
 * `transformerMerged.<task>` beside it for the graph with the content LoRA folded in at strength 1 and the
 * motion LoRA off (the released setting, at no LoRA cost); the LoRA graph serves every other setting.
 * The layer embedder is inside the transformer graphs; `layerEmbedder` (a safetensors copy) is optional,
 * and 5 of the 8 released DiTs have none.
 */
export const BASE_ROLES = [
  'textEncoder',
  'tokenizer',
  'transformer',
  'vaeEncoder',
  'vaeDecoder',
  'layerEmbedder',
  'loraMotion',
  'loraContent',
] as const;
const REQUIRED_ROLES = ['textEncoder', 'tokenizer', 'vaeEncoder', 'vaeDecoder'] as const;
const ROLE_PATTERN = new RegExp(
  `^(${BASE_ROLES.join('|')})$|^transformer(Merged)?\\.(${TaskSchema.options.join('|')})$`,
);

const Sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex sha256');

/** A path inside the pack folder: relative, forward slashes, never leaving the folder. */
const PackPathSchema = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith('/') && !/^[A-Za-z]:/.test(p) && !p.includes('\\'), 'a relative path with / separators')
  .refine((p) => !p.split('/').some((s) => s === '..' || s === '' || s === '.'), 'a path inside the pack folder');

const FileRefSchema = z.object({
  path: PackPathSchema,
  sha256: Sha256Schema,
  bytes: z.number().int().nonnegative(),
});
export type FileRef = z.infer<typeof FileRefSchema>;

/** One file of the pack; ONNX models over 2 GB keep their weights in `externalData`. */
export const PackFileSchema = FileRefSchema.extend({ externalData: FileRefSchema.optional() });
export type PackFile = z.infer<typeof PackFileSchema>;

/**
 * How a task feeds given layers to the model (reference diffusion_video.py `log_video`,
 * dit_video_concat.py `forward`). The VAE encodes the whole layered clip (its first pixel frame
 * duplicated in front when `duplicateFirstFrame`); latent frames [frames[0], frames[1]) of that sequence
 * are the condition. `splice`: they are the DiT's `cond_input`, put back at the same positions inside
 * the forward and cut from its output (`taskIdx` is the reference's task_idx; 0 = appended at the end).
 * `fixed-frames`: the sampler overwrites those frames with the clean condition before every step.
 */
export const TaskConditionSchema = z.object({
  /** Layers whose prompts are encoded, in order (decomposition drops the blend prompt). */
  prompts: z.array(PackLayerSchema).min(1),
  /** Layers the user supplies as video. */
  given: z.array(PackLayerSchema),
  mode: z.enum(['none', 'splice', 'fixed-frames']),
  taskIdx: z.number().int().min(0).max(3),
  /**
   * The VAE takes the whole clip in one pass, never per layer: L·framesPerLayer (+1) pixel frames ↔
   * L·framesPerLayer/temporalCompression (+1) latent frames; odd lengths take its causal first-frame path,
   * even ones plain pairs (reference cp_enc_dec.py).
   */
  duplicateFirstFrame: z.boolean(),
  /** Latent frame range [from, to) holding the condition; absent when mode is 'none'. */
  frames: z.tuple([z.number().int().nonnegative(), z.number().int().positive()]).optional(),
});
export type TaskCondition = z.infer<typeof TaskConditionSchema>;

export const ScheduleSchema = z.object({
  shift: z.number().positive(),
  steps: z.number().int().positive(),
  cfgScale: z.number().nonnegative(),
  cfgExp: z.number().nonnegative(),
});

export const PackConfigSchema = z.object({
  latentChannels: z.number().int().positive(),
  temporalCompression: z.number().int().positive(),
  spatialCompression: z.number().int().positive(),
  patchSize: z.number().int().positive(),
  layerOrder: z.array(PackLayerSchema).min(1),
  /** Pixel frames per layer. */
  framesPerLayer: z.number().int().positive(),
  textTokensPerLayer: z.number().int().positive(),
  /** Width of the text encoder's output (4096 for T5 v1.1 XXL). */
  textHidden: z.number().int().positive(),
  latentScale: z.number().positive(),
  schedule: ScheduleSchema,
  condition: z.partialRecord(TaskSchema, TaskConditionSchema),
  dtype: z.enum(['float32', 'float16']),
  size: z.object({ width: z.number().int().positive(), height: z.number().int().positive() }),
  fps: z.number().positive(),
});
export type PackConfig = z.infer<typeof PackConfigSchema>;

export const ManifestSchema = z
  .object({
    format: z.literal('layerflow-pack'),
    formatVersion: z.literal(1),
    kind: z.enum(['layerflow', 'tiny', 'demo']),
    variant: z.enum(['rgb', 'rgba']),
    name: z.string().min(1),
    description: z.string(),
    tasks: z.array(TaskSchema).min(1),
    files: z.record(z.string(), PackFileSchema),
    config: PackConfigSchema,
  })
  .superRefine(checkManifest);
export type Manifest = z.infer<typeof ManifestSchema>;

type Issue = { message: string; path: (string | number)[] };

function checkManifest(m: z.infer<typeof ManifestSchema>, ctx: z.RefinementCtx): void {
  const issues = [...roleIssues(m), ...layerIssues(m), ...conditionIssues(m)];
  for (const { message, path } of issues) ctx.addIssue({ code: 'custom', message, path });
}

function roleIssues(m: Manifest): Issue[] {
  const issues: Issue[] = [];
  // Demo packs hold a closed-form model, not the LayerFlow files.
  if (m.kind !== 'demo') {
    for (const role of Object.keys(m.files)) {
      if (!ROLE_PATTERN.test(role)) issues.push({ message: `unknown file role "${role}"`, path: ['files', role] });
    }
    for (const role of REQUIRED_ROLES) {
      if (!m.files[role]) issues.push({ message: `the pack needs a ${role} file`, path: ['files'] });
    }
    for (const task of m.tasks) {
      if (!m.files[`transformer.${task}`] && !m.files.transformer) {
        issues.push({
          message: `no transformer for task ${task} (transformer or transformer.${task})`,
          path: ['files'],
        });
      }
    }
  }
  return issues;
}

function layerIssues(m: Manifest): Issue[] {
  const order = m.config.layerOrder;
  const want = m.variant === 'rgba' ? 4 : 3;
  const issues: Issue[] = [];
  if (new Set(order).size !== order.length) issues.push({ message: 'layers repeat', path: ['config', 'layerOrder'] });
  if (order.length !== want || order.includes('alpha') !== (m.variant === 'rgba')) {
    issues.push({
      message: `a ${m.variant} pack has ${want} layers${m.variant === 'rgba' ? ' incl. alpha' : ', no alpha'}`,
      path: ['config', 'layerOrder'],
    });
  }
  if (m.config.framesPerLayer % m.config.temporalCompression !== 0) {
    issues.push({
      message: 'framesPerLayer must be a multiple of temporalCompression',
      path: ['config', 'framesPerLayer'],
    });
  }
  return issues;
}

function conditionIssues(m: Manifest): Issue[] {
  const issues: Issue[] = [];
  const order = new Set(m.config.layerOrder);
  for (const task of m.tasks) {
    const c = m.config.condition[task];
    const path = ['config', 'condition', task];
    if (!c) {
      issues.push({ message: `no condition entry for task ${task}`, path });
      continue;
    }
    for (const layer of [...c.prompts, ...c.given]) {
      if (!order.has(layer)) issues.push({ message: `layer ${layer} is not in layerOrder`, path });
    }
    if ((c.mode === 'none') !== (c.given.length === 0) || (c.mode === 'none') !== (c.frames === undefined)) {
      issues.push({ message: 'mode "none" goes with no given layers and no frames, other modes need both', path });
    }
    if (c.frames && c.frames[0] >= c.frames[1])
      issues.push({ message: 'frames must be [from, to) with from < to', path: [...path, 'frames'] });
  }
  return issues;
}

/** The transformer file a task runs (its own, else the shared one). */
export function transformerFor(m: Manifest, task: Task): PackFile | undefined {
  return m.files[`transformer.${task}`] ?? m.files.transformer;
}

/** The task's graph with the content LoRA merged at 1 and the motion LoRA off, when the pack has one. */
export function mergedTransformerFor(m: Manifest, task: Task): PackFile | undefined {
  return m.files[`transformerMerged.${task}`];
}
