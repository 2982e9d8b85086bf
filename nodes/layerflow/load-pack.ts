import { basename } from 'node:path';
import { z } from 'zod';
import type { PortType } from '../../graph-engine/ports.ts';
import { defineNode, type SpecIssue } from '../../graph-engine/spec.ts';
import type { ModelPack } from '../../models/pack/read.ts';
import type { Manifest } from '../../models/pack/schema.ts';
import { device } from '../../models/session/sessions.ts';
import {
  BUILTIN_PACKS,
  builtinKind,
  builtinVariant,
  manifestHash,
  openPack,
  packDir,
  peekManifest,
} from './pack-source.ts';
import { type ModelHandle, type PackHandle, packTypeFields } from './values.ts';

const LABELS: Record<(typeof BUILTIN_PACKS)[number], string> = {
  'demo-rgba': 'demo-rgba · demo model over a built-in library, not LayerFlow weights (RGBA)',
  'demo-rgb': 'demo-rgb · demo model over a built-in library, not LayerFlow weights (RGB)',
  'tiny-rgba': 'tiny-rgba · random weights, for tests (RGBA)',
  'tiny-rgb': 'tiny-rgb · random weights, for tests (RGB)',
};

/** The three handle types a pack's manifest implies (only the pack name and variant when it is unread). */
export function packHandleTypes(name: string, manifest: Manifest | undefined): Record<string, PortType> {
  if (!manifest) {
    const variant = builtinVariant(name);
    const kind = builtinKind(name);
    const known = { pack: name, ...(variant ? { variant } : {}), ...(kind ? { packKind: kind } : {}) };
    return {
      model: { kind: 'Model', ...known, motionScale: 0, contentScale: 1 },
      textEncoder: { kind: 'TextEncoder', pack: name },
      vae: { kind: 'VAE', ...known },
    };
  }
  const c = manifest.config;
  const facts = packTypeFields(manifest);
  return {
    model: {
      kind: 'Model',
      ...facts,
      tasks: [...manifest.tasks],
      patchSize: c.patchSize,
      latentChannels: c.latentChannels,
      motionScale: 0,
      contentScale: 1,
    },
    textEncoder: { kind: 'TextEncoder', pack: manifest.name, tokens: c.textTokensPerLayer, hidden: c.textHidden },
    vae: { kind: 'VAE', ...facts, latentChannels: c.latentChannels },
  };
}

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);

function packIssues(name: string, manifest: Manifest | undefined): SpecIssue[] {
  if (manifest || builtinVariant(name)) return []; // built-in packs are generated on first run
  return [
    {
      field: 'pack',
      code: 'pack-not-found',
      message: `no readable model pack at ${packDir(name)} (a folder with manifest.json, or one of ${BUILTIN_PACKS.join(', ')})`,
    },
  ];
}

/** The facts of a pack for the run manifest: which pack, every file's sha256, and the execution device. */
export function packFacts(pack: ModelPack): Record<string, unknown> {
  const { manifest } = pack;
  return {
    pack: { name: manifest.name, kind: manifest.kind, variant: manifest.variant, dir: pack.dir, tasks: manifest.tasks },
    files: Object.fromEntries(
      Object.entries(pack.files).map(([role, f]) => [role, { path: f.path, sha256: f.sha256 }]),
    ),
    // Every file whose hash was checked when this process opened the pack, external data included.
    verified: pack.verified.map(({ path, sha256, how }) => ({ path, sha256, how })),
    device: device(),
  };
}

export const loadPack = defineNode({
  type: 'layerflow.load-pack',
  version: 1,
  category: 'LayerFlow',
  title: 'Load Model Pack',
  docs:
    'Opens a LayerFlow model pack and hands its parts to the other nodes: the layer transformer (Model, with ' +
    'the motion LoRA off and the content LoRA at 1, as the reference samples), the T5 text encoder with its ' +
    'tokenizer, and the 3D VAE. Built-in packs: `demo-rgba`/`demo-rgb` (a closed-form model over a built-in ' +
    'layer library: meaningful layered video on CPU in seconds) and `tiny-rgba`/`tiny-rgb` (the real ' +
    'architectures at tiny sizes with random weights); they are generated on first use. Any other value is a ' +
    'pack folder. Every file is checked against its sha256; the hashes go into the run manifest.',
  purity: 'external',
  inputs: {},
  outputs: {
    model: { type: { kind: 'Model' }, docs: 'The layer transformer (one graph per task) and its LoRA strengths.' },
    textEncoder: { type: { kind: 'TextEncoder' }, docs: 'T5 encoder and tokenizer.' },
    vae: { type: { kind: 'VAE' }, docs: 'The causal 3D VAE encoder and decoder.' },
  },
  params: z.object({
    pack: z
      .string()
      .min(1)
      .default('demo-rgba')
      .meta({
        widget: 'pack',
        label: 'Model pack',
        choices: BUILTIN_PACKS.map((value) => ({ value, label: LABELS[value] })),
        description: 'A built-in pack name or the path of a pack folder.',
      }),
  }),
  infer(_inputs, params) {
    const manifest = peekManifest(params.pack);
    return { outputs: packHandleTypes(params.pack, manifest), issues: packIssues(params.pack, manifest) };
  },
  externalKey: (params) => manifestHash(params.pack),
  async run(_inputs, params, ctx) {
    const pack = await openPack(params.pack, (done, total, file) =>
      ctx.progress(total ? done / total : 1, `verifying ${basename(file)}: ${mib(done)} of ${mib(total)} MiB`),
    );
    for (const warning of pack.warnings) ctx.log.warn(warning);
    ctx.report(packFacts(pack));
    const model: ModelHandle = { pack, motionScale: 0, contentScale: 1 };
    const part: PackHandle = { pack };
    return { model, textEncoder: part, vae: part };
  },
});
