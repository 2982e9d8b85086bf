import { z } from 'zod';
import type { PortType } from '../../graph-engine/ports.ts';
import { defineNode } from '../../graph-engine/spec.ts';
import type { Link, WorkflowNode } from '../../graph-engine/workflow.ts';
import type { Frames } from '../../media/frames.ts';
import { ditSampler, sampleLayers, samplerFacts } from './dit-sampler.ts';
import { videoNotes } from './fit-notes.ts';
import { latentPreviews } from './latent-preview.ts';
import type { LayerTextValue } from './layer-prompts.ts';
import { splitLayers, splitLayersNode } from './split-layers.ts';
import { encodeLayerText, textEncode } from './text-encode.ts';
import { decodeLatent, vaeDecode } from './vae-decode.ts';
import { encodeGivenLayers, layersFromVideo, vaeEncode } from './vae-encode.ts';
import { handleOf, type ModelHandle, type PackHandle } from './values.ts';

/** The macro's params: the sampler's (its task fixed to decompose) and the encoder's chunking. */
const samplerShape = ditSampler.params.shape;
export const DecomposeParams = z.object({
  steps: samplerShape.steps,
  cfgScale: samplerShape.cfgScale,
  cfgExp: samplerShape.cfgExp,
  shift: samplerShape.shift,
  seed: samplerShape.seed,
  previewEvery: samplerShape.previewEvery,
  chunkFrames: vaeEncode.params.shape.chunkFrames,
  fit: vaeEncode.params.shape.fit,
});
export type DecomposeParams = z.infer<typeof DecomposeParams>;

/** A piece of a workflow that stands in for one node: its nodes, and where each of the node's outputs now comes from. */
export interface WorkflowFragment {
  nodes: Record<string, WorkflowNode>;
  outputs: Record<string, Link>;
  /** Which fragment node now holds each of the macro's params. */
  params: Record<string, string>;
}

/**
 * The nodes the decompose macro runs, as a workflow fragment the editor can put in its place: VAE Encode
 * (decompose) → Text Encode → DiT Sampler (decompose) → VAE Decode → Split Layers, ids `<id>-<step>`.
 */
export function expandDecompose(id: string, node: Pick<WorkflowNode, 'params' | 'inputs'>): WorkflowFragment {
  const p = DecomposeParams.parse(node.params);
  const n = (step: string) => `${id}-${step}`;
  const link = (from: string, output: string): Link => ({ node: from, output });
  const from = (input: string): Record<string, Link> => (node.inputs[input] ? { [input]: node.inputs[input] } : {});
  const { chunkFrames, fit, ...sampler } = p;
  const nodes: Record<string, WorkflowNode> = {
    [n('encode')]: {
      type: vaeEncode.type,
      typeVersion: vaeEncode.version,
      params: { task: 'decompose', chunkFrames, fit },
      inputs: { ...from('vae'), ...from('video') },
    },
    [n('text')]: {
      type: textEncode.type,
      typeVersion: textEncode.version,
      params: {},
      inputs: { ...from('textEncoder'), ...from('text') },
    },
    [n('sample')]: {
      type: ditSampler.type,
      typeVersion: ditSampler.version,
      params: { task: 'decompose', ...withoutUndefined(sampler) },
      inputs: {
        ...from('model'),
        conditioning: link(n('text'), 'conditioning'),
        latent: link(n('encode'), 'latent'),
      },
    },
    [n('decode')]: {
      type: vaeDecode.type,
      typeVersion: vaeDecode.version,
      params: {},
      inputs: { ...from('vae'), latent: link(n('sample'), 'latent') },
    },
    [n('split')]: {
      type: splitLayersNode.type,
      typeVersion: splitLayersNode.version,
      params: {},
      inputs: { layers: link(n('decode'), 'layers') },
    },
  };
  const outputs = Object.fromEntries(['foreground', 'alpha', 'background'].map((o) => [o, link(n('split'), o)]));
  const params = Object.fromEntries(
    Object.keys(DecomposeParams.shape).map((name) => [
      name,
      name === 'chunkFrames' || name === 'fit' ? n('encode') : n('sample'),
    ]),
  );
  return { nodes, outputs, params };
}

function withoutUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

export const decompose = defineNode({
  type: 'layerflow.decompose',
  version: 1,
  category: 'LayerFlow',
  title: 'Decompose Video (macro)',
  docs:
    'Splits a blended video into foreground, alpha matte and background in one node: VAE Encode ' +
    '(decompose) → Text Encode → DiT Sampler (decompose) → VAE Decode → Split Layers, the same functions ' +
    'those nodes run. Expand it in the editor to tune the steps one by one. The prompts guide what counts ' +
    'as foreground; the video is resized to the pack size and cut to its frames per layer. It encodes ' +
    "with VAE Encode's defaults: the posterior mean, and copies of the blend in the slots of the layers it " +
    'makes (the reference samples the posterior and has real frames there; see VAE Encode).',
  purity: 'seeded',
  inputs: {
    vae: { type: { kind: 'VAE' } },
    model: { type: { kind: 'Model' } },
    textEncoder: { type: { kind: 'TextEncoder' } },
    video: { type: { kind: 'Video' }, docs: 'The blended video to decompose.' },
    text: { type: { kind: 'LayerText' }, docs: 'Layer prompts (foreground and background are used).' },
  },
  outputs: {
    foreground: { type: { kind: 'Video', alpha: false }, docs: 'Straight colour; pair it with alpha.' },
    alpha: { type: { kind: 'Video', alpha: false }, docs: 'The matte, as grey levels.' },
    background: { type: { kind: 'Video', alpha: false } },
  },
  params: DecomposeParams,
  infer(inputs, params) {
    const vae = inputs.vae;
    const video: PortType = { kind: 'Video', channels: 3, alpha: false };
    for (const f of ['frames', 'width', 'height'] as const) if (typeof vae?.[f] === 'number') video[f] = vae[f];
    const issues = [];
    const tasks = inputs.model?.tasks as string[] | undefined;
    if (tasks && !tasks.includes('decompose')) {
      issues.push({ field: 'model', code: 'task-unsupported', message: 'this pack has no decompose task' });
    }
    const notes = videoNotes(inputs.video, vae, params.fit);
    return { outputs: { foreground: video, alpha: video, background: video }, issues, notes };
  },
  async run(inputs, params, ctx) {
    const vae = handleOf<PackHandle>(inputs.vae, 'vae').pack;
    const model = handleOf<ModelHandle>(inputs.model, 'model');
    const encoder = handleOf<PackHandle>(inputs.textEncoder, 'textEncoder').pack;
    const { chunkFrames, previewEvery, fit, ...sampler } = params;
    ctx.progress(0, 'encoding the video');
    const given = layersFromVideo(inputs.video as Frames, 'decompose');
    const latent = await encodeGivenLayers(vae, given, 'decompose', { chunkFrames, fit, signal: ctx.signal });
    const conditioning = await encodeLayerText(encoder, inputs.text as LayerTextValue);
    const settings = { ...sampler, task: 'decompose' as const };
    const sampled = await sampleLayers(model, conditioning, latent, settings, {
      signal: ctx.signal,
      ...(ctx.noise ? { noise: ctx.noise } : {}),
      onStep(i, n, denoised) {
        ctx.progress((0.9 * (i + 1)) / n, `step ${i + 1}/${n}`);
        if (previewEvery > 0 && ((i + 1) % previewEvery === 0 || i + 1 === n)) {
          ctx.preview(() => latentPreviews(denoised, latent.layout, model.pack.config.latentScale));
        }
      },
    });
    ctx.report(await samplerFacts(model, settings));
    ctx.progress(0.95, 'decoding');
    const { foreground, alpha, background } = splitLayers(await decodeLatent(vae, sampled));
    return { foreground, alpha, background };
  },
});
