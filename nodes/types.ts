import { z } from 'zod';
import type { PortKind, PortKindRegistry, PortType } from '../graph-engine/ports.ts';

/** Layer names in the order they stand along the token sequence (reference data_video.py). */
export const LayerNameSchema = z.enum(['foreground', 'alpha', 'background', 'blend']);
export type LayerName = z.infer<typeof LayerNameSchema>;

const num = z.number().optional();
const layers = z.array(z.string()).optional();

/**
 * What a pack handle's type tells about the pack when its manifest could be read while editing: layer
 * order, pixel frames per layer, frame size and the VAE's compression (nodes check shapes against them).
 */
const packFields = z.object({
  pack: z.string().optional(),
  /** The pack's kind: `demo` packs know only their built-in library of clips. */
  packKind: z.enum(['layerflow', 'tiny', 'demo']).optional(),
  variant: z.string().optional(),
  layers,
  frames: num,
  width: num,
  height: num,
  temporalCompression: num,
  spatialCompression: num,
});

/** Model, TextEncoder and VAE values are handles holding an opened pack. */
type PackValue = { pack: { manifest: { name: string; variant: string } } };

function packOf(v: unknown): { pack: string; variant: string } {
  const { manifest } = (v as PackValue).pack;
  return { pack: manifest.name, variant: manifest.variant };
}

function fmtLayers(t: PortType): string {
  return Array.isArray(t.layers) ? `${t.layers.length} layers` : '? layers';
}

function dim(v: unknown): string {
  return typeof v === 'number' ? String(v) : '?';
}

/** Port kinds of the core and LayerFlow node packs. */
export const portKinds: PortKind[] = [
  { name: 'Number', color: '#9aa0a6', docs: 'A plain number.', fields: z.object({}) },
  { name: 'Text', color: '#c3c7cc', docs: 'A plain string.', fields: z.object({}) },
  {
    name: 'Video',
    color: '#4f9dde',
    docs: 'Frames (F×H×W×C, values 0..1) with an optional alpha channel.',
    fields: z.object({
      frames: num,
      width: num,
      height: num,
      channels: num,
      alpha: z.boolean().optional(),
      fps: num,
      /** Where the frames come from: the demo library, or the user's own file (the demo pack knows only the first). */
      source: z.enum(['library', 'file']).optional(),
    }),
    describe: (t) =>
      `${dim(t.frames)}f ${dim(t.width)}×${dim(t.height)}${t.alpha ? ' RGBA' : t.alpha === false ? ' RGB' : ''}${typeof t.fps === 'number' ? ` @${Math.round(t.fps * 100) / 100}fps` : ''}`,
    compatible: (from, to) =>
      to.alpha === true && from.alpha === false ? 'this input needs a video with an alpha channel' : null,
    typeOf: (v) => {
      const f = v as { frames: number; width: number; height: number; channels: number };
      return {
        kind: 'Video',
        frames: f.frames,
        width: f.width,
        height: f.height,
        channels: f.channels,
        alpha: f.channels === 4,
      };
    },
    sizeOf: (v) => (v as { data: Float32Array }).data.byteLength,
  },
  {
    name: 'LayeredVideo',
    color: '#7b6fe0',
    docs: 'One clip per layer (foreground, [alpha], background, blend), all the same length and size.',
    fields: z.object({ layers, frames: num, width: num, height: num }),
    describe: (t) => `${fmtLayers(t)} × ${dim(t.frames)}f ${dim(t.width)}×${dim(t.height)}`,
    typeOf: (v) => {
      const lv = v as { layers: string[]; clips: Record<string, { frames: number; width: number; height: number }> };
      const first = lv.clips[lv.layers[0]];
      return {
        kind: 'LayeredVideo',
        layers: lv.layers,
        frames: first?.frames,
        width: first?.width,
        height: first?.height,
      };
    },
    sizeOf: (v) =>
      Object.values((v as { clips: Record<string, { data: Float32Array }> }).clips).reduce(
        (a, c) => a + c.data.byteLength,
        0,
      ),
  },
  {
    name: 'Latent',
    color: '#e07b39',
    docs: "Layered latent sequence [1, T, C, h, w]: a leading frame, then each layer's latent frames.",
    fields: z.object({ layers, frames: num, height: num, width: num, channels: num, task: z.string().optional() }),
    describe: (t) =>
      `${fmtLayers(t)} × ${dim(t.frames)} latent f ${dim(t.width)}×${dim(t.height)}${t.task ? ` (${t.task})` : ''}`,
    typeOf: (v) => {
      const l = v as { task: string; layout: { layers: string[] }; shape: number[] };
      const [frames, channels, height, width] = l.shape;
      return { kind: 'Latent', layers: l.layout.layers, frames, channels, height, width, task: l.task };
    },
    sizeOf: (v) => (v as { data: Float32Array }).data.byteLength,
  },
  {
    name: 'LayerText',
    color: '#d9b44a',
    docs: 'One prompt per text layer (foreground, background, blend) plus a negative prompt.',
    fields: z.object({ layers }),
    describe: fmtLayers,
    typeOf: (v) => ({ kind: 'LayerText', layers: (v as { layers: string[] }).layers }),
  },
  {
    name: 'LayerConditioning',
    color: '#c9a227',
    docs: 'Encoded prompts per layer, conditional and unconditional rows, with the layer embedding.',
    fields: z.object({ layers, tokens: num, hidden: num }),
    describe: (t) => `${fmtLayers(t)} × ${dim(t.tokens)} tokens`,
    typeOf: (v) => {
      const c = v as { layers: string[]; tokens: number; hidden: number };
      return { kind: 'LayerConditioning', layers: c.layers, tokens: c.tokens, hidden: c.hidden };
    },
    sizeOf: (v) => {
      const c = v as { cond: Float32Array; uncond: Float32Array };
      return c.cond.byteLength + c.uncond.byteLength;
    },
  },
  {
    name: 'Model',
    color: '#5bbf7a',
    docs: 'The layer transformer of a model pack with its LoRA strengths.',
    fields: packFields.extend({
      tasks: layers,
      patchSize: num,
      latentChannels: num,
      motionScale: num,
      contentScale: num,
    }),
    describe: (t) => `${t.pack ?? 'model'} (${t.variant ?? '?'})`,
    typeOf: (v) => {
      const m = v as { motionScale: number; contentScale: number } & PackValue;
      return { kind: 'Model', ...packOf(v), motionScale: m.motionScale, contentScale: m.contentScale };
    },
  },
  {
    name: 'TextEncoder',
    color: '#a3c65b',
    docs: 'The T5 text encoder and tokenizer of a model pack.',
    fields: z.object({ pack: z.string().optional(), tokens: num, hidden: num }),
    describe: (t) => `${t.pack ?? 'TextEncoder'}`,
    typeOf: (v) => ({ kind: 'TextEncoder', pack: packOf(v).pack }),
  },
  {
    name: 'VAE',
    color: '#d45d8a',
    docs: 'The 3D VAE encoder and decoder of a model pack.',
    fields: packFields.extend({ latentChannels: num }),
    describe: (t) => `${t.pack ?? 'VAE'}`,
    typeOf: (v) => ({ kind: 'VAE', ...packOf(v) }),
  },
];

export function registerPortKinds(registry: PortKindRegistry): void {
  for (const kind of portKinds) registry.register(kind);
}
