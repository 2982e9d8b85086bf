import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { z } from 'zod';
import type { StudioServices } from '../../api/services.ts';
import { createStudio } from '../../api/studio.ts';
import { PortKindRegistry } from '../../graph-engine/ports.ts';
import { NodeRegistry } from '../../graph-engine/registry.ts';
import { defineNode, type NodeSpec } from '../../graph-engine/spec.ts';
import { layerPrompts } from '../../nodes/layerflow/layer-prompts.ts';
import { registerPortKinds } from '../../nodes/types.ts';
import { type Harness, openStudio } from './harness.ts';

/**
 * The real studio (engine, queue, validation, presets, files) over a registry of stand-in nodes shaped
 * like text → sampler → decode → save, with the real port kinds and the real Layer Prompts node. The
 * sampler's steps wait on a gate the test holds, so progress and cancellation are watched without timing.
 * Used until the LayerFlow nodes exist; then the e2e tests run `layerflow serve` itself.
 */

const LAYERS = ['foreground', 'alpha', 'background', 'blend'];
const FRAMES = 4;
const SIZE = 16;

/** A step gate: while held, every sampler step waits for release (or for the job's cancellation). */
export class Gate {
  private held = false;
  private waiters: (() => void)[] = [];

  hold(on: boolean): void {
    this.held = on;
    if (!on) for (const open of this.waiters.splice(0)) open();
  }

  async pass(signal: AbortSignal): Promise<void> {
    if (!this.held) return new Promise((r) => setImmediate(r));
    await new Promise<void>((resolve) => {
      this.waiters.push(resolve);
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
  }
}

function framePng(layer: number, frame: number): Buffer {
  const png = new PNG({ width: SIZE, height: SIZE });
  for (let y = 0; y < SIZE; y++)
    for (let x = 0; x < SIZE; x++) {
      const i = (y * SIZE + x) * 4;
      const inBall = (x - 4 - frame * 2) ** 2 + (y - 8) ** 2 < 12;
      png.data[i] = layer === 2 ? 40 + y * 10 : inBall ? 230 : 0;
      png.data[i + 1] = layer === 1 ? (inBall ? 255 : 0) : 60 + layer * 40;
      png.data[i + 2] = layer === 2 ? 200 : 40;
      png.data[i + 3] = layer === 0 && !inBall ? 0 : 255;
    }
  return PNG.sync.write(png);
}

function toyNodes(gate: Gate): NodeSpec[] {
  const specs = [
    defineNode({
      type: 'toy.sampler',
      version: 1,
      category: 'Toy sampling',
      title: 'Toy Sampler',
      docs: 'Denoises layers.',
      purity: 'seeded',
      inputs: { text: { type: { kind: 'LayerText' } } },
      outputs: { latent: { type: { kind: 'Latent', layers: LAYERS, frames: 3, width: 8, height: 8 } } },
      params: z.object({
        steps: z.number().int().min(1).max(50).default(3),
        guidance: z.number().min(1).max(10).default(6).meta({ widget: 'slider', step: 0.5 }),
        seed: z.number().int().default(42).meta({ widget: 'seed' }),
        scheduler: z.enum(['dpm++2m', 'ddim']).default('dpm++2m'),
      }),
      async run(_inputs, params, ctx) {
        for (let k = 1; k <= params.steps; k++) {
          await gate.pass(ctx.signal);
          ctx.signal.throwIfAborted();
          ctx.progress(k / params.steps, `step ${k}/${params.steps}`);
        }
        ctx.preview(
          LAYERS.map((label, i) => ({ label, dataUrl: `data:image/png;base64,${framePng(i, 1).toString('base64')}` })),
        );
        return { latent: { data: new Float32Array(LAYERS.length * 3 * 64) } };
      },
    }),
    defineNode({
      type: 'toy.decode',
      version: 1,
      category: 'Toy sampling',
      title: 'Toy Decode',
      docs: 'Latents to frames.',
      purity: 'pure',
      inputs: { latent: { type: { kind: 'Latent' } } },
      outputs: {
        video: { type: { kind: 'LayeredVideo', layers: LAYERS, frames: FRAMES, width: SIZE, height: SIZE } },
      },
      params: z.object({}),
      run: async () => ({
        video: { clips: Object.fromEntries(LAYERS.map((l) => [l, { data: new Float32Array(FRAMES * SIZE * SIZE) }])) },
      }),
    }),
    defineNode({
      type: 'toy.save',
      version: 1,
      category: 'Toy output',
      title: 'Toy Save Layers',
      docs: 'Writes PNG frames.',
      purity: 'sink',
      inputs: { video: { type: { kind: 'LayeredVideo' } } },
      outputs: {},
      params: z.object({ prefix: z.string().default('frame') }),
      async run(_inputs, params, ctx) {
        const files: string[] = [];
        for (const [i, layer] of LAYERS.entries()) {
          await mkdir(join(ctx.outDir, layer), { recursive: true });
          for (let f = 0; f < FRAMES; f++) {
            const name = `${params.prefix}_${String(f).padStart(4, '0')}.png`;
            await writeFile(join(ctx.outDir, layer, name), framePng(i, f));
            files.push(`${layer}/${name}`);
          }
        }
        // As the real save nodes do: what it wrote, and which files have alpha (the foreground's ball cut-out).
        ctx.report({ files, withAlpha: files.filter((f) => f.startsWith('foreground/')) });
        return {};
      },
    }),
    defineNode({
      type: 'toy.clip',
      version: 1,
      category: 'Toy output',
      title: 'Toy Clip',
      docs: 'A plain video.',
      purity: 'pure',
      inputs: {},
      outputs: { video: { type: { kind: 'Video', frames: FRAMES, width: SIZE, height: SIZE, alpha: false } } },
      params: z.object({}),
      run: async () => ({
        video: { frames: FRAMES, width: SIZE, height: SIZE, channels: 3, data: new Float32Array(1) },
      }),
    }),
  ];
  return [layerPrompts, ...specs] as unknown as NodeSpec[];
}

/** The real port kinds, the real Layer Prompts node and the toy nodes above. */
export function toyRegistry(gate: Gate): NodeRegistry {
  const kinds = new PortKindRegistry();
  registerPortKinds(kinds);
  const registry = new NodeRegistry(kinds);
  for (const spec of toyNodes(gate)) registry.register(spec);
  return registry;
}

export interface ToyStudio extends StudioServices {
  /** While held, every sampler step waits for release. */
  hold(on: boolean): void;
}

export async function toyStudio(dataDir: string): Promise<ToyStudio> {
  const gate = new Gate();
  const studio = await createStudio({ dataDir, registry: toyRegistry(gate) });
  return { ...studio, hold: (on) => gate.hold(on) };
}

export interface ToyEditor {
  h: Harness;
  page: Page;
  studio: ToyStudio;
}

/** The editor in Chromium on the toy studio (served in this process), as most e2e files start. */
export async function openToyStudio(): Promise<ToyEditor> {
  let studio: ToyStudio | undefined;
  const h = await openStudio(async (dataDir) => {
    studio = await toyStudio(dataDir);
    return studio;
  });
  if (!studio) throw new Error('the toy studio did not start');
  return { h, page: h.page, studio };
}

type NodeFields = { params?: Record<string, unknown>; title?: string };

/**
 * Layer Prompts → Toy Sampler → Toy Decode → Toy Save in a row, as a workflow file holds it (dropped on
 * the canvas to open it); `nodes` sets a node's params or title by id.
 */
export function toyWorkflow(title: string, nodes: Record<string, NodeFields> = {}) {
  const node = (id: string, type: string, input?: [string, string, string]) => ({
    type,
    typeVersion: 1,
    ...nodes[id],
    ...(input ? { inputs: { [input[0]]: { node: input[1], output: input[2] } } } : {}),
  });
  return {
    schemaVersion: 2,
    meta: { title },
    nodes: {
      'layer-prompts-1': {
        params: { foreground: 'a red ball' },
        ...node('layer-prompts-1', 'layerflow.layer-prompts'),
      },
      'sampler-1': node('sampler-1', 'toy.sampler', ['text', 'layer-prompts-1', 'text']),
      'decode-1': node('decode-1', 'toy.decode', ['latent', 'sampler-1', 'latent']),
      'save-1': node('save-1', 'toy.save', ['video', 'decode-1', 'video']),
    },
    layout: {
      nodes: {
        'layer-prompts-1': { x: 0, y: 0 },
        'sampler-1': { x: 360, y: 0 },
        'decode-1': { x: 720, y: 0 },
        'save-1': { x: 1080, y: 0 },
      },
    },
  };
}

/** A workflow as the bytes of its `.json` file. */
export function workflowFile(workflow: object): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(workflow));
}
