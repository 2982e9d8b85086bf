import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type DitConfig, ditDims } from '../dit/config.ts';
import { ditWeightShapes } from '../dit/weights.ts';
import type { Task } from '../pack/schema.ts';
import { TorchFileError } from '../torch/errors.ts';
import { TorchTensor } from '../torch/globals.ts';
import { loadTorchFile, topLevelDict } from '../torch/load.ts';
import { describe, type PyDict } from '../torch/pickle.ts';
import { tensorSource } from '../torch/tensor.ts';
import { numel, type TensorSource, type WeightSource } from '../weights/source.ts';
import { CheckpointError } from './errors.ts';
import { checkStateDict, type StoredTensor } from './keys.ts';
import {
  DIT_CALLS,
  type DitCall,
  parseCheckpointConfig,
  REFERENCE_MODULES,
  RELEASED_FOLDERS,
  type ReleasedFacts,
  releasedDitConfig,
  type Variant,
} from './released.ts';

/** Where SAT keeps the DiT in the engine's state dict (reference diffusion_video.py `model.diffusion_model`). */
export const DIT_PREFIX = 'model.diffusion_model.';
const CHECKPOINT_FILE = 'mp_rank_00_model_states.pt';

/** A released LayerFlow DiT checkpoint, opened: its tensors are read only when asked for. */
export interface DitCheckpoint {
  folder: string;
  /** `<folder>/<iteration>/mp_rank_00_model_states.pt`. */
  file: string;
  iteration: string;
  task: Task;
  variant: Variant;
  config: DitConfig;
  /** buildDit's `task` / `conditioned` for this checkpoint. */
  call: DitCall;
  /** `lora`: attention in LoraLinear layout; `plain`: plain linears, the LoRA matrices read as zeros. */
  layout: 'lora' | 'plain';
  /** Every parameter of ditWeightShapes(config), under the reference's names (LoRA layout). */
  weights: WeightSource;
  /** Keys of the file's state dict that are not the DiT (`conditioner.*` T5, `first_stage_model.*` VAE). */
  ignored: string[];
}

export interface OpenDitOptions {
  /**
   * A config for sizes other than the released ones: a DitConfig, or a golden file's / release-tiny.json's
   * `config` (its `task_idx`, `generated_frames`, `cond_frames` tell the task when the folder name does not).
   */
  config?: unknown;
}

/**
 * Opens a released DiT folder as the reference's model_io.load_checkpoint does (`latest` names the
 * iteration; the `module` state dict, DiT under `model.diffusion_model.`), checking every key and shape
 * against the config: the released one for the eight released folder names, or `opts.config`.
 */
export async function openDitCheckpoint(folder: string, opts: OpenDitOptions = {}): Promise<DitCheckpoint> {
  const { file, iteration } = locateCheckpoint(folder);
  const tf = await loadTorchFile(file);
  const { dit, ignored, layout } = splitModule(file, topLevelDict(tf, 'module'));
  const name = path.basename(path.resolve(folder));
  const { task, variant, config } = resolveConfig(file, name, dit, opts.config);
  const source = (t: TorchTensor, key: string) => tensorSource(tf.archive, t, key);
  const weights = checkDit(file, dit, config, layout, source, opts.config === undefined);
  return { folder, file, iteration, task, variant, config, call: DIT_CALLS[task], layout, weights, ignored };
}

/** `<folder>/latest` → the iteration → its model-states file. */
function locateCheckpoint(folder: string): { file: string; iteration: string } {
  const latest = path.join(folder, 'latest');
  if (!existsSync(latest)) {
    throw new CheckpointError(
      'missing-file',
      latest,
      [],
      'missing: a released checkpoint folder holds `latest` (the iteration) and <iteration>/mp_rank_00_model_states.pt',
    );
  }
  const iteration = readFileSync(latest, 'utf8').trim();
  const file = path.join(folder, iteration, CHECKPOINT_FILE);
  if (!/^\w+$/.test(iteration) || !existsSync(file)) {
    throw new CheckpointError('missing-file', file, [], `missing (named by ${latest}: "${iteration}")`);
  }
  return { file, iteration };
}

/** The DiT's tensors under reference names (plain attention linears renamed to `.original`), and the rest. */
function splitModule(file: string, module: PyDict) {
  const dit = new Map<string, StoredTensor<TorchTensor>>();
  const ignored: string[] = [];
  let plain = false;
  for (const [key, value] of module) {
    if (typeof key !== 'string' || !key.startsWith(DIT_PREFIX)) {
      ignored.push(String(key));
      continue;
    }
    if (!(value instanceof TorchTensor)) {
      throw new TorchFileError('bad-tensor', file, key, `state-dict entry ${key} is ${describe(value)}, not a tensor`);
    }
    // lora.py LoraLinear._load_from_state_dict loads a plain linear's weight and bias into `original`.
    const name = key
      .slice(DIT_PREFIX.length)
      .replace(/(attention\.(?:query_key_value|dense))\.(weight|bias)$/, (_, m, p) => {
        plain = true;
        return `${m}.original.${p}`;
      });
    dit.set(name, { key, shape: value.shape, tensor: value });
  }
  return { dit, ignored, layout: plain ? ('plain' as const) : ('lora' as const) };
}

/** Task, variant and config: from an explicit config (checked against a released name) or the name. */
function resolveConfig(
  file: string,
  name: string,
  dit: Map<string, StoredTensor<TorchTensor>>,
  raw: unknown,
): { task: Task; variant: Variant; config: DitConfig } {
  const named = RELEASED_FOLDERS.get(name);
  if (raw !== undefined) {
    const explicit = parseCheckpointConfig(raw, named);
    if (named) checkAgainstName(file, name, named, explicit);
    const task = explicit.task ?? named?.task;
    const variant = explicit.variant ?? named?.variant;
    if (!task || !variant) {
      const field = task ? 'reference_module' : 'task_idx';
      throw new CheckpointError(
        'unknown-checkpoint',
        file,
        [field],
        `folder ${name} is not a released one and the config has no ${field}: the ${task ? 'variant' : 'task'} is unknown`,
      );
    }
    return { task, variant, config: explicit.config };
  }
  if (!named) {
    const known = [...RELEASED_FOLDERS.keys()].join(', ');
    throw new CheckpointError(
      'unknown-checkpoint',
      file,
      [],
      `folder ${name} is not a released LayerFlow checkpoint (${known}); give its config`,
    );
  }
  return { task: named.task, variant: named.variant, config: releasedDitConfig(named, loraRanks(dit)) };
}

/** The LoRA ranks the file's matrices show (A: [motion_r, in], C: [spatial_r, in]). */
function loraRanks(dit: Map<string, StoredTensor<TorchTensor>>): { motion_r: number; spatial_r: number } | undefined {
  const a = dit.get('transformer.layers.0.attention.query_key_value.matrix_A.0');
  const c = dit.get('transformer.layers.0.attention.query_key_value.matrix_C.0');
  return a && c ? { motion_r: a.shape[0], spatial_r: c.shape[0] } : undefined;
}

/** What the released folder's name says must hold for the config given with it. */
function checkAgainstName(
  file: string,
  name: string,
  named: ReleasedFacts,
  given: ReturnType<typeof parseCheckpointConfig>,
): void {
  const c = given.config;
  const differ: string[] = [];
  const expect = (field: string, want: unknown, got: unknown) => {
    if (got !== undefined && want !== got)
      differ.push(`${field}: ${JSON.stringify(got)} (the folder name means ${JSON.stringify(want)})`);
  };
  expect('task', named.task, given.task);
  expect('reference_module', REFERENCE_MODULES[named.variant], c.reference_module);
  expect('learnable_txt_embed', named.layerEmbedder, c.learnable_txt_embed);
  expect('text_length', named.promptLayers * c.text_tokens_per_layer, c.text_length);
  expect('pos_frames', named.posFrames, ditDims(c).posFrames);
  if (differ.length) {
    throw new CheckpointError(
      'config-mismatch',
      file,
      differ.map((d) => d.split(':')[0]),
      `the config does not fit the released folder ${name}: ${differ.join('; ')}`,
    );
  }
}

/** Every parameter of the config, each checked against the file (key present, nothing else, same shape). */
function checkDit(
  file: string,
  dit: Map<string, StoredTensor<TorchTensor>>,
  config: DitConfig,
  layout: 'lora' | 'plain',
  source: (t: TorchTensor, key: string) => TensorSource,
  released: boolean,
): WeightSource {
  const shapes = ditWeightShapes(config);
  // A plain file has no LoRA matrices: the reference keeps their zero initialisation.
  const absent = layout === 'plain' ? (n: string) => /\.matrix_[ABCD]\.\d+$/.test(n) : () => false;
  try {
    checkStateDict(file, dit, shapes, absent, DIT_PREFIX);
  } catch (err) {
    if (!(err instanceof CheckpointError) || !released) throw err;
    const hint = ' (checked against the released configuration its folder name implies; other sizes need a config)';
    throw new CheckpointError(err.code, err.file, err.keys, `${err.message.slice(file.length + 2)}${hint}`);
  }
  const weights = new Map<string, TensorSource>();
  for (const [n, dims] of shapes) {
    const stored = dit.get(n);
    weights.set(n, stored ? source(stored.tensor, stored.key) : zeros(file, n, dims));
  }
  return weights;
}

function zeros(file: string, key: string, shape: number[]): TensorSource {
  return { dtype: 'float32', shape, file, key, toFloat32: () => new Float32Array(numel(shape)) };
}
