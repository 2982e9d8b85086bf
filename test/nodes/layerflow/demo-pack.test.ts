import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildDemoPack, demoLayers, demoLibrary } from '../../../models/demo/index.ts';
import { handles } from './harness.ts';
import { type Layers, runTask } from './pipeline.ts';

/**
 * The demo pack's behaviour through the LayerFlow nodes: its denoiser is the exact posterior mean over a
 * built-in library, so correct nodes (tokenizer, text rows per layer, latent scale, the task's frame
 * layout and condition splice, the sampler, the VAE) give library clips to 8-bit precision, and any slip
 * gives something else.
 */

const lib = demoLibrary();

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
  const want = out.foreground.map((f, p) => f + (1 - alpha[p]) * (out.background[p] - 0.5));
  assert.ok(maxAbs(out.blend, want) < 1 / 255, `blend is off the composite by ${maxAbs(out.blend, want) * 255}/255`);
}

const PROMPTS = {
  foreground: 'red circle moving right',
  background: 'sunset gradient',
  blend: 'a red circle moving right over a sunset gradient',
};

test('demo rgba text-to-layers: the prompted actor and backdrop, blend = their composite', async () => {
  const out = await runTask(await handles('demo-rgba'), 'generate', { prompts: PROMPTS, seed: 7 });
  const i = assertLibraryItem(out.foreground, 'fg', 'red circle moving right');
  assertLibraryItem(out.background, 'bg', 'sunset gradient');
  assert.ok(maxAbs(out.alpha, demoLayers(lib, i, 0).alpha) < 1 / 255, 'alpha is the actor’s matte');
  assertComposite(out, out.alpha);
});

test('demo rgba decomposition recovers the exact layers of any library blend', async () => {
  const truth = demoLayers(lib, 21, 10);
  const blend = truth.blend.map((v) => Math.round(v * 255) / 255); // an 8-bit video, as a user gives it
  const out = await runTask(await handles('demo-rgba'), 'decompose', { prompts: {}, seed: 3, given: { blend } });
  for (const [layer, key] of [
    ['foreground', 'fg'],
    ['alpha', 'alpha'],
    ['background', 'bg'],
  ] as const) {
    const off = maxAbs(out[layer], truth[key]);
    assert.ok(off < 1 / 255, `${layer} off by ${off * 255}/255`);
  }
});

test('demo rgba fg- and bg-conditioned generation keep the given layer and complete the other', async () => {
  const h = await handles('demo-rgba');
  const actor = demoLayers(lib, 26, 0);
  const fgOut = await runTask(h, 'fg-to-bg', {
    prompts: { ...PROMPTS, background: 'ocean waves', blend: 'ocean waves' },
    seed: 5,
    given: { foreground: actor.fg, alpha: actor.alpha },
  });
  assert.ok(maxAbs(fgOut.foreground, actor.fg) < 1 / 255 && maxAbs(fgOut.alpha, actor.alpha) < 1 / 255, 'fg kept');
  assertLibraryItem(fgOut.background, 'bg', 'ocean waves');
  assertComposite(fgOut, actor.alpha);

  const backdrop = demoLayers(lib, 0, 9).bg;
  const bgOut = await runTask(h, 'bg-to-fg', {
    prompts: { foreground: 'yellow diamond bouncing', background: '', blend: 'yellow diamond' },
    seed: 6,
    given: { background: backdrop },
  });
  assert.ok(maxAbs(bgOut.background, backdrop) < 1 / 255, 'bg kept');
  const i = assertLibraryItem(bgOut.foreground, 'fg', 'yellow diamond bouncing');
  assertComposite(bgOut, demoLayers(lib, i, 0).alpha);
});

test('demo rgb pack: text-to-layers and decomposition (half the blend given)', async () => {
  const h = await handles('demo-rgb');
  const out = await runTask(h, 'generate', {
    prompts: { foreground: 'green square bouncing', background: 'grey stripes', blend: 'green square' },
    seed: 8,
  });
  const i = assertLibraryItem(out.foreground, 'fg', 'green square bouncing');
  assertLibraryItem(out.background, 'bg', 'grey stripes panning');
  assertComposite(out, demoLayers(lib, i, 0).alpha);
  const truth = demoLayers(lib, 4, 13);
  const dec = await runTask(h, 'decompose', { prompts: {}, seed: 9, given: { blend: truth.blend } });
  for (const [layer, key] of [
    ['foreground', 'fg'],
    ['background', 'bg'],
    ['blend', 'blend'],
  ] as const) {
    const off = maxAbs(dec[layer], truth[key]);
    assert.ok(off < 1 / 255, `${layer} off by ${off * 255}/255`);
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
let smallBuilt: Promise<void> | undefined;
/** A 4-frame 16×16 RGBA pack folder: fast enough for many seeds. */
async function smallRgba() {
  smallBuilt ??= buildDemoPack(join(smallDir, 'rgba'), 'rgba', { size: SMALL }).then(() => undefined);
  await smallBuilt;
  return handles(join(smallDir, 'rgba'));
}

/** The small library's actor nearest to a result's foreground layer. */
function nearestSmallActor(out: Layers): number {
  return small.actors
    .map((_, n): [number, number] => [n, rms(out.foreground, demoLayers(small, n, 0).fg)])
    .sort((a, b) => a[1] - b[1])[0][0];
}

test('demo seeds pick among the variants a prompt allows; the same seed gives the same video', async () => {
  const h = await smallRgba();
  const picks = new Set<string>();
  for (let seed = 0; seed < 8; seed++) {
    const actor = small.actors[nearestSmallActor(await runTask(h, 'generate', { prompts: PROMPTS, seed }))];
    assert.equal(actor.caption, PROMPTS.foreground);
    picks.add(String(actor.clip.alpha?.slice(0, 4 * SMALL.width * SMALL.height)));
  }
  assert.equal(picks.size, 2, 'both lanes of "red circle moving right" come up');
  const again = await Promise.all([5, 5].map((seed) => runTask(h, 'generate', { prompts: PROMPTS, seed })));
  assert.deepEqual(again[0].blend, again[1].blend);
});

test('demo guidance 6 follows a loose prompt every time; unguided sampling only mostly', async () => {
  const h = await smallRgba();
  const count = async (cfgScale: number) => {
    let n = 0;
    for (let seed = 0; seed < 40; seed++) {
      const out = await runTask(h, 'generate', { prompts: { foreground: 'circle' }, seed, cfgScale });
      if (small.actors[nearestSmallActor(out)].caption.includes('circle')) n++;
    }
    return n;
  };
  const [guided, unguided] = [await count(6), await count(0)];
  assert.equal(guided, 40, `guided: ${guided}/40 circles`);
  assert.ok(unguided < 40 && unguided > 20, `unguided: ${unguided}/40 circles (a quarter of the actors are)`);
});
