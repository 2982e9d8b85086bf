import { readdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { buildDit } from '../dit/build.ts';
import { ExternalDataFile, writeGraph } from '../onnx/external-data.ts';
import type { GraphBuilder } from '../onnx/graph.ts';
import type { FloatType } from '../onnx/nn.ts';
import { layerOrderOf, referenceConditions } from '../pack/conditions.ts';
import { MANIFEST_FILE } from '../pack/manifest-file.ts';
import type { Manifest, PackConfig, Task } from '../pack/schema.ts';
import { type FileSource, type ManifestDraft, packTempPrefix, writePack } from '../pack/write.ts';
import { buildT5Encoder } from '../t5/build.ts';
import { spatialFactor } from '../vae/config.ts';
import { buildVaeDecoder } from '../vae/decoder.ts';
import { buildVaeEncoder } from '../vae/encoder.ts';
import { type DitCheckpoint, openDitCheckpoint } from './dit-checkpoint.ts';
import { CheckpointError } from './errors.ts';
import { ReadMeter } from './meter.ts';
import { recogniseRelease } from './recognise.ts';
import type { ImportConfigs } from './release-config.ts';
import type { Variant } from './released.ts';
import { openT5Folder, type T5Folder } from './t5-folder.ts';
import { openVaeCheckpoint, type VaeCheckpoint } from './vae-checkpoint.ts';

export interface ImportOptions {
  /** Folders and files as downloaded (any subset of the eight DiT folders, plus the VAE file and T5 folder). */
  inputs: string[];
  /** Where the packs go (a pack per variant: `<name>-rgba`, `<name>-rgb`). */
  outDir: string;
  /** Pack name prefix (default `layerflow`). */
  name?: string;
  /** Weight type of the DiT and T5 graphs: float16 for GPUs (default), float32 for CPU. The VAE stays float32. */
  dtype?: FloatType;
  configs?: ImportConfigs;
  /** Replace packs that already exist. */
  force?: boolean;
  /** Stored bytes read so far, of those the import will read, and the tensor being read. */
  onProgress?: (read: number, planned: number, what: string) => void;
  /** Before each pack is written. */
  onPack?: (name: string, dir: string, tasks: Task[]) => void;
}

export interface ImportedPack {
  name: string;
  dir: string;
  variant: Variant;
  tasks: Task[];
  /** Bytes of all its files (shared ones counted in each pack that links them). */
  bytes: number;
  /** Bytes not written because an identical tensor was already stored (task transformers sharing a base). */
  deduplicatedBytes: number;
  manifest: Manifest;
}

export interface ImportResult {
  packs: ImportedPack[];
  /** Stored bytes read from the release. */
  readBytes: number;
  seconds: number;
}

/** The released sampler settings (configs/cogvideox_2b_stage2_*.yaml). */
const SCHEDULE = { shift: 3, steps: 50, cfgScale: 6, cfgExp: 5 };
/** Latent frames per layer clip: the reference hard-codes its slices for 4 (16 pixel frames). */
const LATENTS_PER_LAYER = 4;
const RELEASED_FPS = 8;
const LATENT_SCALE = 1.15258426;

const TEXT_ENCODER = 'text-encoder.onnx';
const TEXT_WEIGHTS = 'text-encoder.weights';
const TOKENIZER = 'tokenizer/spiece.model';
const VAE_ENCODER = 'vae-encoder.onnx';
const VAE_DECODER = 'vae-decoder.onnx';
const VAE_WEIGHTS = 'vae.weights';
const DIT_WEIGHTS = 'transformer.weights';

/**
 * `layerflow pack import`: opens the released files (recognised by name and checked by content), checks
 * that the parts fit together, and writes one pack per variant holding the tasks given. Weights are read one
 * tensor at a time and streamed into ONNX external data; the task transformers of a pack share one weights
 * file in which identical tensors (the frozen base model) are stored once; the second variant's pack
 * hard-links the first's text encoder, tokenizer and VAE. Each task gets its LoRA graph (strength inputs)
 * and a merged graph (content LoRA folded in at 1, motion LoRA off: the released setting at no LoRA cost).
 * A pack appears only when complete: an interrupted import leaves hidden temp folders, removed next time.
 */
export async function importRelease(opts: ImportOptions): Promise<ImportResult> {
  const started = performance.now();
  const parts = recogniseRelease(opts.inputs);
  if (parts.dits.size === 0) throw missing(opts.inputs, 'no LayerFlow checkpoint folder (with a `latest` file)');
  if (!parts.vae) throw missing(opts.inputs, 'no VAE file (CogVideoX-2b-sat/vae/3d-vae.pt)');
  if (!parts.t5) throw missing(opts.inputs, 'no T5 folder (CogVideoX-2b-sat/t5-v1_1-xxl/)');
  const configs = opts.configs;
  const dits: DitCheckpoint[] = [];
  for (const [name, folder] of parts.dits) {
    const config = configs?.dit.get(name) ?? configs?.dit.get('*');
    dits.push(await openDitCheckpoint(folder, config === undefined ? {} : { config }));
  }
  const vae = await openVaeCheckpoint(parts.vae, configs?.vae === undefined ? {} : { config: configs.vae });
  const t5 = openT5Folder(parts.t5);
  const prefix = opts.name ?? 'layerflow';
  const byVariant = (['rgba', 'rgb'] as const)
    .map((variant) => ({ variant, dits: dits.filter((d) => d.variant === variant) }))
    .filter((v) => v.dits.length > 0);
  for (const { variant } of byVariant) await checkTarget(join(opts.outDir, `${prefix}-${variant}`), opts.force);

  // Every graph is built (cheap: weights stay unread) before any is written, so the plan is whole.
  const meter = new ReadMeter(opts.onProgress);
  const dtype = opts.dtype ?? 'float16';
  const plans = byVariant.map(({ variant, dits: group }) => ({
    variant,
    group,
    config: packConfig(variant, group, vae, t5, dtype, configs?.latentScale),
    tasks: taskOrder(group.map((d) => d.task)),
    transformers: transformerGraphs(group, dtype, meter),
  }));
  const sharedGraphs = sharedPartGraphs(t5, vae, plans[0].config, meter);
  const packs: ImportedPack[] = [];
  let shared: { dir: string; manifest: Manifest } | undefined;
  for (const plan of plans) {
    const name = `${prefix}-${plan.variant}`;
    const dir = resolve(opts.outDir, name);
    opts.onPack?.(name, dir, plan.tasks);
    let dedup = 0;
    const draft = draftOf(name, plan.variant, plan.tasks, plan.config, plan.group);
    const manifest = await writePack(dir, draft, async (tmp) => {
      const files: Record<string, FileSource> = shared
        ? linkShared(shared.dir, shared.manifest)
        : {
            [TOKENIZER]: { copyFrom: t5.tokenizerFile },
            ...(await writeGraphs(tmp, TEXT_WEIGHTS, { [TEXT_ENCODER]: sharedGraphs.text })).files,
            ...(
              await writeGraphs(tmp, VAE_WEIGHTS, {
                [VAE_ENCODER]: sharedGraphs.encoder,
                [VAE_DECODER]: sharedGraphs.decoder,
              })
            ).files,
          };
      const written = await writeGraphs(tmp, DIT_WEIGHTS, plan.transformers);
      dedup = written.deduplicatedBytes;
      return { ...files, ...written.files };
    });
    shared ??= { dir, manifest };
    const bytes = Object.values(manifest.files).reduce((a, f) => a + f.bytes + (f.externalData?.bytes ?? 0), 0);
    packs.push({ name, dir, variant: plan.variant, tasks: plan.tasks, bytes, deduplicatedBytes: dedup, manifest });
  }
  return { packs, readBytes: meter.read, seconds: (performance.now() - started) / 1000 };
}

function missing(inputs: string[], what: string): CheckpointError {
  return new CheckpointError('missing-part', inputs.join(', '), [], `${what} among the paths given`);
}

/** Refuses to replace a pack unless asked; removes hidden temp folders an interrupted import left. */
async function checkTarget(dir: string, force = false): Promise<void> {
  const target = resolve(dir);
  if (!force && (await stat(join(target, MANIFEST_FILE)).catch(() => undefined))) {
    throw new CheckpointError('pack-exists', target, [], 'a pack is already there (use --force to replace it)');
  }
  const prefix = packTempPrefix(target);
  const parent = resolve(prefix, '..');
  const stem = prefix.slice(parent.length + 1);
  for (const entry of await readdir(parent).catch(() => [] as string[])) {
    if (entry.startsWith(stem)) await rm(join(parent, entry), { recursive: true, force: true });
  }
}

const TASK_ORDER: Task[] = ['generate', 'decompose', 'fg-to-bg', 'bg-to-fg'];
const taskOrder = (tasks: Task[]) => TASK_ORDER.filter((t) => tasks.includes(t));

/** The pack config the parts imply, after checking they fit together (widths, channels, sizes). */
function packConfig(
  variant: Variant,
  dits: DitCheckpoint[],
  vae: VaeCheckpoint,
  t5: T5Folder,
  dtype: FloatType,
  latentScale = LATENT_SCALE,
): PackConfig {
  const first = dits[0].config;
  const fit = (ok: boolean, file: string, message: string) => {
    if (!ok) throw new CheckpointError('parts-mismatch', file, [], message);
  };
  for (const d of dits) {
    const c = d.config;
    fit(
      c.text_hidden_size === t5.config.d_model,
      d.file,
      `the DiT takes text ${c.text_hidden_size} wide but the T5 in ${t5.dir} gives ${t5.config.d_model}`,
    );
    fit(
      c.in_channels === vae.config.z_channels && c.out_channels === vae.config.z_channels,
      d.file,
      `the DiT works on ${c.in_channels} latent channels but the VAE ${vae.file} has ${vae.config.z_channels}`,
    );
    fit(
      c.latent_height === first.latent_height &&
        c.latent_width === first.latent_width &&
        c.patch_size === first.patch_size &&
        c.text_tokens_per_layer === first.text_tokens_per_layer,
      d.file,
      `its latent size ${c.latent_height}×${c.latent_width} (patch ${c.patch_size}) differs from ${dits[0].file}'s ` +
        `${first.latent_height}×${first.latent_width} (patch ${first.patch_size}); a pack holds one size`,
    );
  }
  const spatial = spatialFactor(vae.config);
  const temporal = vae.config.temporal_compress_times;
  return {
    latentChannels: first.in_channels,
    temporalCompression: temporal,
    spatialCompression: spatial,
    patchSize: first.patch_size,
    layerOrder: layerOrderOf(variant),
    framesPerLayer: LATENTS_PER_LAYER * temporal,
    textTokensPerLayer: first.text_tokens_per_layer,
    textHidden: t5.config.d_model,
    latentScale,
    schedule: SCHEDULE,
    condition: referenceConditions(variant, LATENTS_PER_LAYER),
    dtype,
    size: { width: first.latent_width * spatial, height: first.latent_height * spatial },
    fps: RELEASED_FPS,
  };
}

function draftOf(
  name: string,
  variant: Variant,
  tasks: Task[],
  config: PackConfig,
  dits: DitCheckpoint[],
): ManifestDraft {
  const files: ManifestDraft['files'] = {
    textEncoder: { path: TEXT_ENCODER, externalData: { path: TEXT_WEIGHTS } },
    tokenizer: { path: TOKENIZER },
    vaeEncoder: { path: VAE_ENCODER, externalData: { path: VAE_WEIGHTS } },
    vaeDecoder: { path: VAE_DECODER, externalData: { path: VAE_WEIGHTS } },
  };
  for (const task of tasks) {
    files[`transformer.${task}`] = { path: `transformer-${task}.onnx`, externalData: { path: DIT_WEIGHTS } };
    files[`transformerMerged.${task}`] = {
      path: `transformer-${task}-merged.onnx`,
      externalData: { path: DIT_WEIGHTS },
    };
  }
  const sources = dits.map((d) => `${d.folder} (iteration ${d.iteration})`).join('; ');
  return {
    format: 'layerflow-pack',
    formatVersion: 1,
    kind: 'layerflow',
    variant,
    name,
    description: `LayerFlow ${variant.toUpperCase()} (${tasks.join(', ')}), imported from ${sources}; ${config.dtype} weights.`,
    tasks,
    files,
    config,
  };
}

/** The T5 encoder and VAE graphs every pack of the import shares. */
function sharedPartGraphs(t5: T5Folder, vae: VaeCheckpoint, config: PackConfig, meter: ReadMeter) {
  const vaeWeights = meter.track(vae.weights);
  return {
    text: buildT5Encoder(t5.config, meter.track(t5.weights), {
      dtype: config.dtype,
      maxLength: config.textTokensPerLayer,
    }),
    encoder: buildVaeEncoder(vae.config, vaeWeights),
    decoder: buildVaeDecoder(vae.config, vaeWeights, { carry: true }),
  };
}

/** The shared parts of an already written pack, hard-linked (copied across devices). */
function linkShared(dir: string, manifest: Manifest): Record<string, FileSource> {
  const out: Record<string, FileSource> = {};
  for (const role of ['textEncoder', 'tokenizer', 'vaeEncoder', 'vaeDecoder']) {
    const f = manifest.files[role];
    for (const ref of [f, ...(f.externalData ? [f.externalData] : [])]) {
      out[ref.path] = { linkFrom: join(dir, ref.path), sha256: ref.sha256 };
    }
  }
  return out;
}

/** Each task's LoRA graph and merged graph, by file name. */
function transformerGraphs(dits: DitCheckpoint[], dtype: FloatType, meter: ReadMeter): Record<string, GraphBuilder> {
  const graphs: Record<string, GraphBuilder> = {};
  for (const d of dits) {
    const call = { task: d.call.task, conditioned: d.call.conditioned, dtype };
    const weights = meter.track(d.weights);
    graphs[`transformer-${d.task}.onnx`] = buildDit(d.config, weights, call);
    // Same weights (stored once): ONNX Runtime folds W + D·C/r into one constant when it loads the graph.
    graphs[`transformer-${d.task}-merged.onnx`] = buildDit(d.config, weights, {
      ...call,
      lora: { motion: false, content: 'folded' },
    });
  }
  return graphs;
}

/** Encodes graphs into `tmp`, their large weights into one shared external-data file. */
async function writeGraphs(tmp: string, dataName: string, graphs: Record<string, GraphBuilder>) {
  const data = new ExternalDataFile(join(tmp, dataName));
  const files: Record<string, FileSource> = {};
  try {
    for (const [path, g] of Object.entries(graphs)) files[path] = writeGraph(g, join(tmp, path), data);
    files[dataName] = await data.close();
  } catch (err) {
    data.abandon();
    throw err;
  }
  return { files, deduplicatedBytes: data.deduplicatedBytes };
}
