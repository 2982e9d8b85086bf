import { layerOrderOf, referenceConditions } from '../pack/conditions.ts';
import type { PackConfig, Task } from '../pack/schema.ts';
import { type FileSource, type ManifestDraft, writePack } from '../pack/write.ts';
import { type ClipSize, DEMO_SIZE } from './clip.ts';
import { buildDemoDenoiser } from './denoiser-graph.ts';
import { latentChannels } from './latent-layout.ts';
import { demoLibrary } from './library.ts';
import { networkLevels } from './signal-levels.ts';
import { denoiserTables } from './tables.ts';
import { buildDemoTextEncoder } from './text-encoder.ts';
import { demoTokenizerJson } from './tokenizer-file.ts';
import { buildDemoVaeDecoder, buildDemoVaeEncoder } from './vae.ts';
import { demoVocab } from './vocab.ts';

export type DemoVariant = 'rgb' | 'rgba';

/** Knobs of a demo pack; the defaults make the pack `ensureDemoPack` builds. */
export interface DemoPackOptions {
  size?: ClipSize;
  /** Space-to-depth factor of the VAE (latent channels 3·s²). */
  spatial?: number;
  variance?: number;
  conditionVariance?: number;
  temperature?: number;
  steps?: number;
}

const DEFAULTS = { size: DEMO_SIZE, spatial: 8, variance: 0, conditionVariance: 1e-3, temperature: 3, steps: 25 };
const TEXT_TOKENS = 226;
const LATENT_SCALE = 1.15258426;
const TASKS: Task[] = ['generate', 'decompose', 'fg-to-bg', 'bg-to-fg'];
const LIBRARY_DATA = 'library.onnx.data';

function describe(variant: DemoVariant, o: Required<DemoPackOptions>): string {
  const { frames, height, width } = o.size;
  return (
    'Closed-form demo model: the exact posterior mean over a built-in library of layered ' +
    `${variant.toUpperCase()} clips, ${frames} frames of ${width}×${height}.`
  );
}

/** Builds a demo pack into `dir` (replacing it); deterministic. Returns the manifest's config. */
export async function buildDemoPack(
  dir: string,
  variant: DemoVariant,
  options: DemoPackOptions = {},
): Promise<PackConfig> {
  const o = { ...DEFAULTS, ...options };
  const lib = demoLibrary(o.size);
  const vocab = demoVocab([...lib.actors, ...lib.backdrops].map((item) => item.caption));
  const config = demoConfig(variant, o, vocab.words.length);
  const tables = denoiserTables(lib, vocab.words, o.spatial);
  const contents: Record<string, FileSource> = {
    'text-encoder.onnx': buildDemoTextEncoder(vocab, TEXT_TOKENS),
    'tokenizer/tokenizer.json': demoTokenizerJson(vocab),
    'vae-encoder.onnx': buildDemoVaeEncoder(o.spatial),
    'vae-decoder.onnx': buildDemoVaeDecoder(o.spatial),
  };
  const files: ManifestDraft['files'] = {
    textEncoder: { path: 'text-encoder.onnx' },
    tokenizer: { path: 'tokenizer/tokenizer.json' },
    vaeEncoder: { path: 'vae-encoder.onnx' },
    vaeDecoder: { path: 'vae-decoder.onnx' },
  };
  for (const task of TASKS) {
    const model = buildDemoDenoiser(
      {
        layerOrder: config.layerOrder,
        framesPerLayer: config.framesPerLayer,
        frameShape: [config.latentChannels, o.size.height / o.spatial, o.size.width / o.spatial],
        condition: config.condition[task] ?? missing(task),
        latentScale: config.latentScale,
        variance: o.variance,
        conditionVariance: o.conditionVariance,
        temperature: o.temperature,
        textTokensPerLayer: TEXT_TOKENS,
        textHidden: config.textHidden,
        levels: networkLevels(config.schedule.shift),
        externalDataName: LIBRARY_DATA,
      },
      tables,
    );
    contents[`transformer-${task}.onnx`] = model.model;
    contents[LIBRARY_DATA] = sameLibraryData(contents[LIBRARY_DATA], model.externalData, task);
    files[`transformer.${task}`] = { path: `transformer-${task}.onnx`, externalData: { path: LIBRARY_DATA } };
  }
  const draft: ManifestDraft = {
    format: 'layerflow-pack',
    formatVersion: 1,
    kind: 'demo',
    variant,
    name: `demo-${variant}`,
    description: describe(variant, o),
    tasks: TASKS,
    files,
    config,
  };
  return (await writePack(dir, draft, contents)).config;
}

function missing(task: Task): never {
  throw new Error(`demo pack: no condition for task ${task}`);
}

/** Every task's graph must have written byte-identical library data (they share one file). */
function sameLibraryData(have: FileSource | undefined, next: Uint8Array | undefined, task: Task): Uint8Array {
  if (!next) throw new Error(`demo pack: the ${task} denoiser kept its library inline`);
  if (have && !Buffer.from(have as Uint8Array).equals(next)) {
    throw new Error(`demo pack: the ${task} denoiser laid out its library data differently`);
  }
  return next;
}

function demoConfig(variant: DemoVariant, o: Required<DemoPackOptions>, textHidden: number): PackConfig {
  return {
    latentChannels: latentChannels(o.spatial),
    temporalCompression: 1,
    spatialCompression: o.spatial,
    patchSize: 2,
    layerOrder: layerOrderOf(variant),
    framesPerLayer: o.size.frames,
    textTokensPerLayer: TEXT_TOKENS,
    textHidden,
    latentScale: LATENT_SCALE,
    schedule: { shift: 3, steps: o.steps, cfgScale: 6, cfgExp: 5 },
    condition: referenceConditions(variant, o.size.frames),
    dtype: 'float32',
    size: { width: o.size.width, height: o.size.height },
    fps: 8,
  };
}
