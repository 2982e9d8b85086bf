import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodePng } from '../../../media/png.ts';
import { demoLayers, demoLibrary } from '../../../models/demo/index.ts';
import type { ModelPack } from '../../../models/pack/read.ts';
import { ditSampler, resolveSchedule, sampleLayers } from '../../../nodes/layerflow/dit-sampler.ts';
import { emptyLatent } from '../../../nodes/layerflow/empty-latent.ts';
import { layerPrompts } from '../../../nodes/layerflow/layer-prompts.ts';
import { textEncode } from '../../../nodes/layerflow/text-encode.ts';
import { encodeGivenLayers } from '../../../nodes/layerflow/vae-encode.ts';
import type { LatentValue, LayerConditioningValue } from '../../../nodes/layerflow/values.ts';
import { type Handles, handles, recordingContext, runNode } from './harness.ts';
import { layeredVideo } from './pipeline.ts';

async function inputs(pack: string, prompts: Record<string, string> = {}) {
  const h = await handles(pack);
  const { text } = await runNode(layerPrompts, {}, prompts);
  const { conditioning } = await runNode(textEncode, { textEncoder: h.textEncoder, text });
  const { latent } = await runNode(emptyLatent, { model: h.model });
  return { h, conditioning: conditioning as LayerConditioningValue, latent: latent as LatentValue };
}

const sample = async (
  h: Handles,
  c: LayerConditioningValue,
  latent: LatentValue,
  params: object,
  ctx = recordingContext(),
) => (await runNode(ditSampler, { model: h.model, conditioning: c, latent }, params, ctx)).latent as LatentValue;

describe('layerflow.dit-sampler', () => {
  it('reports progress every step and previews every layer every k steps as small PNGs', async () => {
    const { h, conditioning, latent } = await inputs('tiny-rgba');
    const ctx = recordingContext();
    await sample(h, conditioning, latent, { seed: 2, steps: 4, previewEvery: 2 }, ctx);
    assert.deepEqual(
      ctx.recorded.progress.map((p) => [p.fraction, p.message]),
      [1, 2, 3, 4].map((i) => [i / 4, `step ${i}/4`]),
    );
    assert.equal(ctx.recorded.previews.length, 2);
    const last = ctx.recorded.previews[1];
    assert.deepEqual(
      last.map((p) => p.label),
      ['foreground', 'alpha', 'background', 'blend'],
    );
    const png = decodePng(Buffer.from(last[0].dataUrl.split(',')[1], 'base64'), 'preview');
    assert.ok(png.width >= 64 && png.width <= 256, `preview ${png.width}×${png.height}`);
    const facts = ctx.recorded.facts as {
      sampler: { steps: number; shift: number };
      device: object;
      memory: { rssBytes: number };
    };
    assert.equal(facts.sampler.steps, 4);
    assert.equal(facts.sampler.shift, 3, 'blank shift: the pack’s schedule');
    assert.ok(facts.memory.rssBytes > 0 && facts.device);
  });

  it('previews show the predicted layers: on the demo pack the last preview is the sampled actor', async () => {
    const { h, conditioning, latent } = await inputs('demo-rgba', { foreground: 'yellow square moving right' });
    const ctx = recordingContext();
    await sample(h, conditioning, latent, { seed: 1, steps: 6, previewEvery: 3 }, ctx);
    const fg = ctx.recorded.previews.at(-1)?.[0];
    assert.ok(fg);
    const { rgba } = decodePng(Buffer.from(fg.dataUrl.split(',')[1], 'base64'), 'preview');
    let yellow = 0;
    for (let p = 0; p < rgba.length; p += 4) if (rgba[p] > 180 && rgba[p + 1] > 150 && rgba[p + 2] < 100) yellow++;
    assert.ok(yellow > 10, `${yellow} yellow preview pixels`);
  });

  it('is deterministic per seed', async () => {
    const { h, conditioning, latent } = await inputs('tiny-rgb');
    const a = await sample(h, conditioning, latent, { seed: 11, steps: 3 });
    const b = await sample(h, conditioning, latent, { seed: 11, steps: 3 });
    const c = await sample(h, conditioning, latent, { seed: 12, steps: 3 });
    assert.deepEqual(a.data, b.data);
    assert.notDeepEqual(a.data, c.data);
  });

  it('cancels within one step', async () => {
    const { h, conditioning, latent } = await inputs('tiny-rgba');
    const abort = new AbortController();
    const ctx = recordingContext(abort.signal);
    const progress = ctx.progress;
    ctx.progress = (f, m) => {
      progress(f, m);
      if (ctx.recorded.progress.length === 2) abort.abort();
    };
    await assert.rejects(sample(h, conditioning, latent, { seed: 1, steps: 50 }, ctx), { name: 'AbortError' });
    assert.equal(ctx.recorded.progress.length, 2, 'no step ran after the abort');
  });

  it('keeps spliced given frames: fg-to-bg output holds the encoded foreground and alpha exactly', async () => {
    const h = await handles('tiny-rgba');
    const { conditioning } = await inputs('tiny-rgba');
    const lib = demoLibrary({ frames: 8, height: 32, width: 48 });
    const actor = demoLayers(lib, 3, 0);
    const given = await encodeGivenLayers(
      h.vae.pack,
      layeredVideo(h, { foreground: actor.fg, alpha: actor.alpha }),
      'fg-to-bg',
    );
    assert.deepEqual(given.given, [0, 5]);
    const out = await sample(h, conditioning, given, { task: 'fg-to-bg', seed: 4, steps: 2 });
    const D = 4 * 4 * 6;
    assert.deepEqual(out.data.subarray(0, 5 * D), given.data.subarray(0, 5 * D));
    assert.notDeepEqual(out.data.subarray(5 * D), given.data.subarray(5 * D));
    assert.equal(out.task, 'fg-to-bg');
    assert.deepEqual(out.shape, given.shape);
  });

  it('fixed-frames conditions write the given frames back every step and keep them', async () => {
    // A pack whose decompose task conditions by fixed frames, run by the demo's generate transformer.
    const h = await handles('demo-rgb');
    const pack = h.model.pack;
    const k = pack.config.framesPerLayer;
    const fixed: ModelPack = {
      ...pack,
      config: {
        ...pack.config,
        condition: {
          ...pack.config.condition,
          decompose: {
            prompts: ['foreground', 'background', 'blend'],
            given: ['blend'],
            mode: 'fixed-frames',
            taskIdx: 0,
            duplicateFirstFrame: false,
            frames: [2 * k, 3 * k],
          },
        },
      },
      files: { ...pack.files, 'transformer.decompose': pack.files['transformer.generate'] },
    };
    const truth = demoLayers(demoLibrary(), 4, 13);
    const latent = await encodeGivenLayers(fixed, layeredVideo(h, { blend: truth.blend }), 'decompose');
    const { conditioning } = await inputs('demo-rgb');
    const out = await sampleLayers({ ...h.model, pack: fixed }, conditioning, latent, {
      task: 'decompose',
      seed: 9,
      steps: 4,
    });
    const D = 192 * 64;
    assert.deepEqual(out.data.subarray(2 * k * D), latent.data.subarray(2 * k * D));
    assert.ok(out.data.every(Number.isFinite));
  });

  it('refuses a latent laid out for another task, naming the latent input', async () => {
    const { h, conditioning, latent } = await inputs('tiny-rgba');
    await assert.rejects(
      sample(h, conditioning, latent, { task: 'bg-to-fg', seed: 1, steps: 1 }),
      (e: Error & { field?: string }) => e.field === 'latent' && /VAE Encode set to bg-to-fg/.test(e.message),
    );
    const other = await inputs('demo-rgba');
    await assert.rejects(
      sample(h, conditioning, other.latent, { seed: 1, steps: 1 }),
      (e: Error & { code?: string }) => e.code === 'pack-mismatch',
    );
    await assert.rejects(
      sample(h, other.conditioning, latent, { seed: 1, steps: 1 }),
      (e: Error & { field?: string }) => e.field === 'conditioning',
    );
  });

  it('infers issues while editing: a task the pack lacks, a latent of another task or pack', () => {
    const model = { kind: 'Model', tasks: ['generate', 'decompose'], latentChannels: 4 };
    const issues = (latent: object, task: string) =>
      ditSampler
        .infer?.({ model, latent: { kind: 'Latent', ...latent } }, ditSampler.params.parse({ task }))
        .issues?.map((i) => `${i.field}:${i.code}`);
    assert.deepEqual(issues({ task: 'generate', channels: 4 }, 'generate'), []);
    assert.deepEqual(issues({ task: 'fg-to-bg' }, 'fg-to-bg'), ['task:task-unsupported']);
    assert.deepEqual(issues({ task: 'generate' }, 'decompose'), ['latent:latent-task']);
    assert.deepEqual(issues({ task: 'generate', channels: 16 }, 'generate'), ['latent:pack-mismatch']);
  });

  it('blank schedule fields take the pack’s; CFG 0 samples the conditional row only', async () => {
    const { h } = await inputs('demo-rgba');
    const c = h.model.pack.config;
    assert.deepEqual(resolveSchedule(c, { task: 'generate', seed: 0 }), {
      steps: c.schedule.steps,
      shift: 3,
      guidance: { scale: 6, exp: 5 },
    });
    assert.equal(resolveSchedule(c, { task: 'generate', seed: 0, cfgScale: 0 }).guidance, null);
  });
});
