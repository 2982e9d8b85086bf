import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildDemoPack, type DemoVariant, demoLayers, demoLibrary, ensureDemoPack } from '../../models/demo/index.ts';
import { type ModelPack, readPack } from '../../models/pack/read.ts';
import type { Task } from '../../models/pack/schema.ts';
import { sampleDpmpp2m } from '../../models/sampler/dpmpp2m.ts';
import type { DynamicCfgParams } from '../../models/sampler/guidance.ts';
import { gaussianNoise } from '../../models/sampler/noise.ts';
import { runSession } from '../../models/session/run.ts';
import { getSession } from '../../models/session/sessions.ts';

/**
 * The pack's tokenizer.json applied as its pre-tokenizer and model would (T5 conventions): "▁" before each
 * word, whole-word pieces (the demo vocabulary's caption words are pieces; anything else embeds to zero,
 * so unknown words may go to unk), `</s>`, padding to `length`.
 */
function demoTokenize(file: string, text: string, length: number): number[] {
  const json = JSON.parse(readFileSync(file, 'utf8')) as { model: { vocab: [string, number][]; unk_id: number } };
  const ids = new Map(json.model.vocab.map(([piece], id) => [piece, id]));
  const tokens = text
    .split(/\s+/)
    .filter(Boolean)
    .flatMap((w) => (w.endsWith(',') ? [`▁${w.slice(0, -1)}`, ','] : [`▁${w}`]))
    .map((piece) => ids.get(piece) ?? json.model.unk_id);
  return [...tokens, 1, ...new Array(length).fill(0)].slice(0, length);
}

type Layers = Record<string, Float32Array>; // layer name → (F, H, W, 3) in [0, 1]
const LAYER_KEY = { foreground: 'fg', alpha: 'alpha', background: 'bg', blend: 'blend' } as const;
const STEPS = 12;

/** The text → layered video pipeline on a pack, as the nodes run it: tokenizer, encoders, sampler, VAE. */
class Pipeline {
  constructor(readonly pack: ModelPack) {}

  get config() {
    return this.pack.config;
  }

  /** The context for `task`'s prompts ([P·226, W]), through the pack's tokenizer and text encoder. */
  async context(prompts: Record<string, string>, task: Task): Promise<Float32Array> {
    const layers = this.condition(task).prompts;
    const ids = layers.flatMap((l, i) => demoTokenize(this.pack.files.tokenizer.abs, `${i}, ${prompts[l] ?? ''}`, 226));
    const session = await getSession(this.pack.files.textEncoder.abs);
    const out = await runSession(session, {
      input_ids: { dims: [layers.length, 226], data: BigInt64Array.from(ids.map(BigInt)) },
    });
    return out.last_hidden_state.data as Float32Array;
  }

  condition(task: Task) {
    const c = this.config.condition[task];
    assert.ok(c, `no condition for ${task}`);
    return c;
  }

  /** Pixel layers → the task's whole latent sequence [T, C, h, w] (scaled), through the VAE encoder. */
  async encode(layers: Layers, task: Task): Promise<Float32Array> {
    const { frames, planar } = this.pixelSequence(layers, task);
    const { height, width } = this.config.size;
    const session = await getSession(this.pack.files.vaeEncoder.abs);
    const out = await runSession(session, { x: { dims: [1, 3, frames, height, width], data: planar } });
    const [, c2, t, h, w] = out.moments.dims;
    const moments = out.moments.data as Float32Array;
    const latents = new Float32Array((c2 / 2) * t * h * w);
    for (let c = 0; c < c2 / 2; c++) {
      for (let f = 0; f < t; f++) {
        for (let q = 0; q < h * w; q++) {
          latents[(f * (c2 / 2) + c) * h * w + q] = this.config.latentScale * moments[(c * t + f) * h * w + q];
        }
      }
    }
    return latents;
  }

  /** The task's pixel frames in sequence order (the first duplicated when the task does), as [3, F, H, W] in [-1, 1]. */
  pixelSequence(layers: Layers, task: Task): { frames: number; planar: Float32Array } {
    const length = Object.values(layers)[0].length; // layers the task does not give are left black
    const clips = this.config.layerOrder.map((l) => layers[LAYER_KEY[l]] ?? new Float32Array(length));
    const frame = this.config.size.height * this.config.size.width;
    if (this.condition(task).duplicateFirstFrame) clips.unshift(clips[0].subarray(0, 3 * frame));
    const all = new Float32Array(clips.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of clips) {
      all.set(c, at);
      at += c.length;
    }
    const frames = all.length / (3 * frame);
    const planar = new Float32Array(all.length);
    for (let p = 0; p < all.length; p++) planar[(p % 3) * frames * frame + Math.floor(p / 3)] = 2 * all[p] - 1;
    return { frames, planar };
  }

  /** Latent sequence [T, C, h, w] → pixel layers, through the VAE decoder (the duplicate frame dropped). */
  async decode(latents: Float32Array, task: Task): Promise<Layers> {
    const { latentChannels: C, size, spatialCompression: s, latentScale } = this.config;
    const [h, w] = [size.height / s, size.width / s];
    const t = latents.length / (C * h * w);
    const z = new Float32Array(latents.length);
    for (let f = 0; f < t; f++) {
      for (let c = 0; c < C; c++) {
        for (let q = 0; q < h * w; q++) z[(c * t + f) * h * w + q] = latents[(f * C + c) * h * w + q] / latentScale;
      }
    }
    const session = await getSession(this.pack.files.vaeDecoder.abs);
    const out = (await runSession(session, { z: { dims: [1, C, t, h, w], data: z } })).out.data as Float32Array;
    const frame = size.height * size.width;
    const skip = this.condition(task).duplicateFirstFrame ? 1 : 0;
    const k = this.config.framesPerLayer;
    const layers: Layers = {};
    this.config.layerOrder.forEach((l, n) => {
      const clip = new Float32Array(k * frame * 3);
      for (let p = 0; p < clip.length; p++) {
        const frameAt = skip + n * k + Math.floor(p / (3 * frame));
        clip[p] = (out[((p % 3) * t + frameAt) * frame + (Math.floor(p / 3) % frame)] + 1) / 2;
      }
      layers[LAYER_KEY[l]] = clip;
    });
    return layers;
  }

  /** Runs `task`: samples the sequence (given layers spliced in as the config says) and decodes it. */
  async run(
    task: Task,
    opts: { prompts: Record<string, string>; seed: number; guidance?: DynamicCfgParams | null; given?: Layers },
  ): Promise<Layers> {
    const cond = this.condition(task);
    const { latentChannels: C, size, spatialCompression: s } = this.config;
    const frameShape = [C, size.height / s, size.width / s];
    const D = frameShape.reduce((a, b) => a * b, 1);
    const total = (cond.duplicateFirstFrame ? 1 : 0) + this.config.layerOrder.length * this.config.framesPerLayer;
    const [from, to] = cond.frames ?? [0, 0];
    const condLatents = opts.given ? (await this.encode(opts.given, task)).slice(from * D, to * D) : undefined;
    const text = await this.context(opts.prompts, task);
    const session = await getSession(this.pack.files[`transformer.${task}`].abs);
    const rng = gaussianNoise(opts.seed);
    const tx = total - (to - from);
    const x = await sampleDpmpp2m({
      steps: STEPS,
      shift: this.config.schedule.shift,
      guidance: opts.guidance === undefined ? { scale: 6, exp: 5 } : opts.guidance,
      x: rng(tx * D),
      shape: [1, tx, ...frameShape] as [number, number, number, number, number],
      noise: rng,
      batchNetwork: async (xs, timestep, _a, rows) => {
        const b = rows.length;
        const repeat = (v: Float32Array, row: (r: number) => Float32Array = () => v) => {
          const out = new Float32Array(b * v.length);
          for (let r = 0; r < b; r++) out.set(row(r), r * v.length);
          return out;
        };
        const feeds = {
          x: { dims: [b, tx, ...frameShape], data: repeat(xs) },
          timesteps: { dims: [b], data: new Float32Array(b).fill(timestep) },
          context: {
            dims: [b, cond.prompts.length * 226, this.config.textHidden],
            data: repeat(text, (r) => (rows[r] === 'cond' ? text : new Float32Array(text.length))),
          },
          motion_scale: { dims: [1], data: Float32Array.of(0) },
          content_scale: { dims: [1], data: Float32Array.of(1) },
          ...(condLatents ? { cond_input: { dims: [b, to - from, ...frameShape], data: repeat(condLatents) } } : {}),
        };
        const v = (await runSession(session, feeds)).out.data as Float32Array;
        return rows.map((_, r) => v.slice(r * xs.length, (r + 1) * xs.length));
      },
    });
    const full = new Float32Array(total * D);
    full.set(x.subarray(0, from * D));
    if (condLatents) full.set(condLatents, from * D);
    full.set(x.subarray(from * D), to * D);
    return this.decode(full, task);
  }
}

const lib = demoLibrary();
const pipelines: Partial<Record<DemoVariant, Pipeline>> = {};
async function pipeline(variant: DemoVariant): Promise<Pipeline> {
  pipelines[variant] ??= new Pipeline(await readPack(await ensureDemoPack(variant)));
  return pipelines[variant];
}

function maxAbs(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function rms(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s / a.length);
}

/** Library items ranked by distance to `clip`: [index, rms] nearest first. */
function ranked(clip: Float32Array, layer: 'fg' | 'bg'): [number, number][] {
  const items = layer === 'fg' ? lib.actors : lib.backdrops;
  return items
    .map((_, n): [number, number] => [
      n,
      rms(clip, demoLayers(lib, layer === 'fg' ? n : 0, layer === 'bg' ? n : 0)[layer]),
    ])
    .sort((a, b) => a[1] - b[1]);
}

/** Asserts `clip` is a library item with `caption`, recovered to 8-bit precision, far from every other item. */
function assertLibraryItem(clip: Float32Array, layer: 'fg' | 'bg', caption: string): number {
  const [[best, d0], [, d1]] = ranked(clip, layer);
  const items = layer === 'fg' ? lib.actors : lib.backdrops;
  assert.equal(items[best].caption, caption, `${layer} is "${items[best].caption}", not "${caption}"`);
  const exact = demoLayers(lib, layer === 'fg' ? best : 0, layer === 'bg' ? best : 0)[layer];
  assert.ok(maxAbs(clip, exact) < 1 / 255, `${layer}: off its library item by up to ${maxAbs(clip, exact) * 255}/255`);
  assert.ok(d0 < d1 / 100, `${layer}: nearest item at ${d0}, the next at ${d1}`);
  return best;
}

/** The blend must be the composite of the result's own layers: fg (actor over grey) + (1 − α)·(bg − grey). */
function assertComposite(out: Layers, alpha: Float32Array): void {
  const want = out.fg.map((f, p) => f + (1 - alpha[p]) * (out.bg[p] - 0.5));
  assert.ok(maxAbs(out.blend, want) < 1 / 255, `blend is off the composite by ${maxAbs(out.blend, want) * 255}/255`);
}

const PROMPTS = {
  foreground: 'red circle moving right',
  background: 'sunset gradient',
  blend: 'a red circle moving right over a sunset gradient',
};

test('demo rgba text-to-layers: the prompted actor and backdrop, blend = their composite', async () => {
  const p = await pipeline('rgba');
  const out = await p.run('generate', { prompts: PROMPTS, seed: 7 });
  const i = assertLibraryItem(out.fg, 'fg', 'red circle moving right');
  assertLibraryItem(out.bg, 'bg', 'sunset gradient');
  assert.ok(maxAbs(out.alpha, demoLayers(lib, i, 0).alpha) < 1 / 255, 'alpha is the actor’s matte');
  assertComposite(out, out.alpha);
});

test('demo rgba decomposition recovers the exact layers of any library blend', async () => {
  const p = await pipeline('rgba');
  const [i, j] = [21, 10];
  const truth = demoLayers(lib, i, j);
  const blend = truth.blend.map((v) => Math.round(v * 255) / 255); // an 8-bit video, as a user gives it
  const out = await p.run('decompose', { prompts: {}, seed: 3, given: { blend } });
  for (const layer of ['fg', 'alpha', 'bg'] as const) {
    assert.ok(
      maxAbs(out[layer], truth[layer]) < 1 / 255,
      `${layer} off by ${maxAbs(out[layer], truth[layer]) * 255}/255`,
    );
  }
});

test('demo rgba fg- and bg-conditioned generation keep the given layer and complete the other', async () => {
  const p = await pipeline('rgba');
  const actor = demoLayers(lib, 26, 0);
  const fgOut = await p.run('fg-to-bg', {
    prompts: { ...PROMPTS, background: 'ocean waves', blend: 'ocean waves' },
    seed: 5,
    given: { fg: actor.fg, alpha: actor.alpha },
  });
  assert.ok(maxAbs(fgOut.fg, actor.fg) < 1 / 255 && maxAbs(fgOut.alpha, actor.alpha) < 1 / 255, 'fg kept');
  assertLibraryItem(fgOut.bg, 'bg', 'ocean waves');
  assertComposite(fgOut, actor.alpha);

  const backdrop = demoLayers(lib, 0, 9).bg;
  const bgOut = await p.run('bg-to-fg', {
    prompts: { foreground: 'yellow diamond bouncing', background: '', blend: 'yellow diamond' },
    seed: 6,
    given: { bg: backdrop },
  });
  assert.ok(maxAbs(bgOut.bg, backdrop) < 1 / 255, 'bg kept');
  const i = assertLibraryItem(bgOut.fg, 'fg', 'yellow diamond bouncing');
  assertComposite(bgOut, demoLayers(lib, i, 0).alpha);
});

test('demo rgb pack: text-to-layers and decomposition (half the blend given)', async () => {
  const p = await pipeline('rgb');
  const out = await p.run('generate', {
    prompts: { foreground: 'green square bouncing', background: 'grey stripes', blend: 'green square' },
    seed: 8,
  });
  const i = assertLibraryItem(out.fg, 'fg', 'green square bouncing');
  assertLibraryItem(out.bg, 'bg', 'grey stripes panning');
  assertComposite(out, demoLayers(lib, i, 0).alpha);
  const truth = demoLayers(lib, 4, 13);
  const dec = await p.run('decompose', { prompts: {}, seed: 9, given: { blend: truth.blend } });
  for (const layer of ['fg', 'bg', 'blend'] as const) {
    assert.ok(
      maxAbs(dec[layer], truth[layer]) < 1 / 255,
      `${layer} off by ${maxAbs(dec[layer], truth[layer]) * 255}/255`,
    );
  }
});

let smallDir: string;
before(async () => {
  smallDir = await mkdtemp(join(tmpdir(), 'demo-pack-'));
});
after(async () => {
  await rm(smallDir, { recursive: true, force: true });
});

const SMALL = { frames: 4, height: 16, width: 16 };
const small = demoLibrary(SMALL);
let smallPipeline: Pipeline | undefined;
/** A 4-frame 16×16 RGBA pack: fast enough for many seeds. */
async function smallRgba(): Promise<Pipeline> {
  if (!smallPipeline) {
    await buildDemoPack(join(smallDir, 'rgba'), 'rgba', { size: SMALL });
    smallPipeline = new Pipeline(await readPack(join(smallDir, 'rgba')));
  }
  return smallPipeline;
}

/** The small library's actor nearest to a result's fg layer. */
function nearestSmallActor(out: Layers): number {
  return small.actors
    .map((_, n): [number, number] => [n, rms(out.fg, demoLayers(small, n, 0).fg)])
    .sort((a, b) => a[1] - b[1])[0][0];
}

test('demo seeds pick among the variants a prompt allows; the same seed gives the same video', async () => {
  const p = await smallRgba();
  const picks = new Set<string>();
  for (let seed = 0; seed < 8; seed++) {
    const actor = small.actors[nearestSmallActor(await p.run('generate', { prompts: PROMPTS, seed }))];
    assert.equal(actor.caption, PROMPTS.foreground);
    picks.add(String(actor.clip.alpha?.slice(0, 4 * SMALL.width * SMALL.height)));
  }
  assert.equal(picks.size, 2, 'both lanes of "red circle moving right" come up');
  const again = await Promise.all([5, 5].map((seed) => p.run('generate', { prompts: PROMPTS, seed })));
  assert.deepEqual(again[0].blend, again[1].blend);
});

test('demo guidance 6 follows a loose prompt every time; unguided sampling only mostly', async () => {
  const p = await smallRgba();
  const count = async (guidance: DynamicCfgParams | null) => {
    let n = 0;
    for (let seed = 0; seed < 40; seed++) {
      const out = await p.run('generate', { prompts: { foreground: 'circle' }, seed, guidance });
      if (small.actors[nearestSmallActor(out)].caption.includes('circle')) n++;
    }
    return n;
  };
  const [guided, unguided] = [await count({ scale: 6, exp: 5 }), await count(null)];
  assert.equal(guided, 40, `guided: ${guided}/40 circles`);
  assert.ok(unguided < 40 && unguided > 20, `unguided: ${unguided}/40 circles (a quarter of the actors are)`);
});
