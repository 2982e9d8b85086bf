import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { toBytes } from '../../../media/frames.ts';
import { type StepTrace, sampleLayers } from '../../../nodes/layerflow/dit-sampler.ts';
import { emptyLatent } from '../../../nodes/layerflow/empty-latent.ts';
import { type LayerTextValue, layerPrompts } from '../../../nodes/layerflow/layer-prompts.ts';
import { sequenceLayout } from '../../../nodes/layerflow/layout.ts';
import { fitClip, layerClips, planarSequence } from '../../../nodes/layerflow/pixels.ts';
import { textEncode, tokenizerOf } from '../../../nodes/layerflow/text-encode.ts';
import { decodeSequence } from '../../../nodes/layerflow/vae-decode.ts';
import {
  encodeGivenLayers,
  UNSUPPLIED_FILLS,
  type UnsuppliedFill,
  vaeEncode,
} from '../../../nodes/layerflow/vae-encode.ts';
import type { LatentValue, LayerConditioningValue } from '../../../nodes/layerflow/values.ts';
import { cli } from '../../cli/cli-process.ts';
import { type Handles, handles, runNode } from './harness.ts';
import {
  bytesOf,
  f32,
  ids,
  loaderOrder,
  maxRel,
  type PipelineCase,
  planarOf,
  readPipelineCases,
  referenceLayers,
  TASKS,
} from './pipeline-golden-case.ts';

/**
 * golden pipeline: every pipeline/*.json (../shared/golden/README.md) replayed through the product's own
 * node code on packs imported from the case's release with `layerflow pack import`, the recorded noise fed
 * where the reference drew it; every named tensor compared.
 */
const TOL = 1e-4;

let cases: PipelineCase[] = [];
let missing: unknown;
try {
  cases = readPipelineCases();
} catch (e) {
  missing = e;
}

let out = '';
const packDirs = new Map<string, string>();

/** Imports each release the cases name once, through the CLI. */
async function importReleases(): Promise<void> {
  out = await mkdtemp(join(tmpdir(), 'lf-pipeline-golden-'));
  for (const release of new Set(cases.map((c) => c.release))) {
    const dir = join(out, `release-${packDirs.size}`);
    const r = await cli([
      'pack',
      'import',
      join(release, 'LayerFlow'),
      join(release, 'CogVideoX-2b-sat'),
      '--config',
      join(release, 'release-tiny.json'),
      '--out',
      dir,
      '--dtype',
      'float32',
      '--name',
      'golden',
      '--json',
    ]);
    assert.equal(r.code, 0, `importing ${release}: ${r.stderr.slice(-2000)}`);
    packDirs.set(release, dir);
  }
}

function packOf(c: PipelineCase): Promise<Handles> {
  return handles(join(packDirs.get(c.release) as string, `golden-${c.variant}`));
}

/** Records a per-tensor error for the report and asserts it. */
function check(errs: Record<string, number>, name: string, got: ArrayLike<number>, want: ArrayLike<number>) {
  const e = maxRel(got, want);
  errs[name] = e;
  assert.ok(e <= TOL, `${name}: max|out − ref|/max|ref| = ${e.toExponential(2)} > ${TOL}`);
  return e;
}

/** The case's prompts without the "i, " prefix, through Layer Prompts and Text Encode. */
async function encodeText(c: PipelineCase, h: Handles) {
  const raw = c.prompts.map((p) => p.replace(/^\d+, /, ''));
  const [foreground, background, blend = 'unused by decomposition'] = raw;
  const { text } = await runNode(layerPrompts, {}, { foreground, background, blend });
  const { conditioning } = await runNode(textEncode, { textEncoder: h.textEncoder, text });
  return { text: text as LayerTextValue, conditioning: conditioning as LayerConditioningValue };
}

/** Hands out the recorded tensors in order, checking each request's length. */
function recordedNoise(c: PipelineCase, names: string[]) {
  let next = 0;
  return (length: number) => {
    const name = names[next++];
    assert.ok(name, `${c.name}: more noise requested than the reference drew`);
    const data = f32(c, name);
    assert.equal(data.length, length, `${c.name}: ${name} has ${data.length} values, the product asked for ${length}`);
    return data;
  };
}

/**
 * The bytes the product writes with the reference's truncation, against video_u8: the leading duplicate
 * (the product drops it) aside, equal except single bytes off by one where the reference's float sits
 * within the decode error of a level boundary.
 */
function checkBytes(c: PipelineCase, frames: Frames3, decodeErr: number) {
  const { layout, clips } = frames;
  const want = bytesOf(c, 'video_u8');
  const ref = f32(c, 'decoded');
  const n = layout.height * layout.width;
  // the product's conversion of the recorded floats is the recorded bytes, exactly
  const refClips = layerClips(layout, planarOf(ref, layout.pixelFrames, n), 8);
  let off = 0;
  let rounded = 0;
  let total = 0;
  layout.layers.forEach((layer, l) => {
    const at = (layout.lead + l * layout.framesPerLayer) * n * 3;
    const truth = want.subarray(at, at + layout.framesPerLayer * n * 3);
    const exact = toBytes(refClips[layer].data, undefined, 'truncate');
    const bad = exact.findIndex((b, i) => b !== truth[i]);
    assert.equal(
      bad,
      -1,
      `${c.name} ${layer}: the recorded float ${refClips[layer].data[bad]} gives ${exact[bad]}, the reference wrote ${truth[bad]}`,
    );
    const ours = toBytes(clips[layer].data, undefined, 'truncate');
    const round = toBytes(clips[layer].data);
    const refFloat = refClips[layer].data;
    for (let i = 0; i < truth.length; i++) {
      total++;
      if (round[i] !== truth[i]) rounded++;
      if (ours[i] === truth[i]) continue;
      off++;
      assert.equal(Math.abs(ours[i] - truth[i]), 1, `${c.name} ${layer} byte ${i}: ${ours[i]} vs ${truth[i]}`);
      const level = Math.fround(refFloat[i] * 255);
      const slack = (255 / 2) * decodeErr * 1.01;
      assert.ok(Math.abs(level - Math.round(level)) <= slack, `${c.name} ${layer} byte ${i} is not on a boundary`);
    }
  });
  assert.ok(off <= 5e-4 * total, `${c.name}: ${off} of ${total} bytes off by one`);
  assert.ok(rounded > 0.1 * total, 'rounding instead of truncation would be caught');
  return { off, total, rounded };
}

type Frames3 = { layout: ReturnType<typeof sequenceLayout>; clips: ReturnType<typeof layerClips> };

/** The recorded posterior mean in the transformer's units: vae_moments' mean × scale, as [T, C, h, w]. */
function meanLatents(c: PipelineCase, layout: ReturnType<typeof sequenceLayout>, scale: number): Float32Array {
  const moments = f32(c, 'vae_moments');
  const [C, h, w] = layout.frameShape;
  const T = layout.latentFrames;
  const hw = h * w;
  const out = new Float32Array(T * C * hw);
  for (let ch = 0; ch < C; ch++) {
    for (let f = 0; f < T; f++) out.set(moments.subarray((ch * T + f) * hw, (ch * T + f + 1) * hw), (f * C + ch) * hw);
  }
  return out.map((v) => scale * v);
}

/** Steps 2 (condition latents) of the README for a conditioned case, through VAE Encode's code. */
async function encodeCondition(c: PipelineCase, h: Handles, errs: Record<string, number>) {
  const task = TASKS[c.task];
  const pack = h.vae.pack;
  const layout = sequenceLayout(pack.config, task);
  const given = referenceLayers(c, pack.config.fps);
  const k = layout.framesPerLayer;
  const planar = planarSequence(
    layout,
    layout.layers.map((l) => fitClip(given.clips[l], k, layout.width, layout.height, l)),
  );
  check(errs, 'input_video', loaderOrder(layout, planar), f32(c, 'input_video'));
  const mean = await encodeGivenLayers(pack, given, task, { posterior: 'mean' });
  check(errs, 'vae_moments (mean)', mean.data, meanLatents(c, layout, pack.config.latentScale));
  const sampled = await encodeGivenLayers(pack, given, task, {
    posterior: 'sample',
    noise: recordedNoise(c, ['vae_posterior_noise']),
  });
  check(errs, 'latents_encoded', sampled.data, f32(c, 'latents_encoded'));
  const [from, to] = c.latent.cond_slots[0];
  const D = layout.frameShape.reduce((a, b) => a * b, 1);
  check(errs, 'cond_latents', sampled.data.subarray(from * D, to * D), f32(c, 'cond_latents'));
  return sampled;
}

async function replay(t: TestContext, c: PipelineCase): Promise<Record<string, number>> {
  const errs: Record<string, number> = {};
  const h = await packOf(c);
  const task = TASKS[c.task];
  const L = c.prompts.length;

  // 1. text
  const { text, conditioning } = await encodeText(c, h);
  const tokens = 226;
  const enc = tokenizerOf(h.textEncoder.pack).encode(text.prompts.slice(0, L), tokens);
  assert.deepEqual(Array.from(enc.ids, Number), ids(c), `${c.name}: input_ids`);
  check(errs, 't5_cond', conditioning.cond.subarray(0, L * tokens * 32), f32(c, 't5_cond'));
  assert.ok(conditioning.uncondIsZero && conditioning.uncond.every((v) => v === 0), 'unconditional rows are zeros');

  // 2. condition latents, or the empty latent of generation
  const latent =
    c.task === 'gen'
      ? ((await runNode(emptyLatent, { model: h.model })).latent as LatentValue)
      : await encodeCondition(c, h, errs);

  // 3–5. the sampler on the recorded noise
  const noise = ['initial_noise', ...c.steps.flatMap((s) => (s.noise_used ? [s.noise_used] : []))];
  const traces: StepTrace[] = [];
  const sampled = await sampleLayers(
    h.model,
    conditioning,
    latent,
    { task, seed: 0, steps: c.sampler.num_steps },
    { noise: recordedNoise(c, noise), onTrace: (i, trace) => traces.push(trace) },
  );
  assert.equal(traces.length, c.steps.length);
  traces.forEach((s, i) => {
    check(errs, `step${i}.x_in`, s.xIn, f32(c, `step${i}.x_in`));
    const v = new Float32Array(2 * s.xIn.length);
    v.set(s.v[0]);
    v.set(s.v[1], s.xIn.length);
    check(errs, `step${i}.network_out`, v, f32(c, `step${i}.network_out`));
    check(errs, `step${i}.denoised`, s.denoised, f32(c, `step${i}.denoised`));
    check(errs, `step${i}.x_out`, s.xOut, f32(c, `step${i}.x_out`));
  });
  check(errs, 'sampler_result', traces[traces.length - 1].xOut, f32(c, 'sampler_result'));
  check(errs, 'latents_final', sampled.data, f32(c, 'latents_final'));

  // 6. one VAE decode; 7. the bytes
  const decoded = await decodeSequence(h.vae.pack, sampled);
  const n = sampled.layout.height * sampled.layout.width;
  const ref = f32(c, 'decoded');
  check(errs, 'decoded', decoded, planarOf(ref, sampled.layout.pixelFrames, n));
  let maxAbs = 0;
  const refPlanar = planarOf(ref, sampled.layout.pixelFrames, n);
  for (let i = 0; i < decoded.length; i++) maxAbs = Math.max(maxAbs, Math.abs(decoded[i] - refPlanar[i]));
  const frames = { layout: sampled.layout, clips: layerClips(sampled.layout, decoded, 8) };
  const report = (b: string) =>
    t.diagnostic(
      `${c.name}: ${Object.entries(errs)
        .map(([k, e]) => `${k} ${e.toExponential(1)}`)
        .join(', ')}; video_u8 ${b}`,
    );
  try {
    const bytes = checkBytes(c, frames, maxAbs);
    report(`${bytes.off}/${bytes.total} bytes off by one (rounding would miss ${bytes.rounded})`);
  } catch (e) {
    report((e as Error).message);
    throw e;
  }
  return errs;
}

/** ‖got − want‖ / ‖want‖. */
function rmsRel(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < want.length; i++) {
    num += (got[i] - want[i]) ** 2;
    den += want[i] ** 2;
  }
  return Math.sqrt(num / den);
}

/**
 * A conditioned case run with only the task's given layers (the others filled as `fill` says, or all
 * the reference's layers when `fill` is `reference`), the recorded noise replayed throughout: how far
 * the condition latents and the decoded frames land from the reference's.
 */
async function givenOnly(c: PipelineCase, fill: UnsuppliedFill | 'reference') {
  const h = await packOf(c);
  const task = TASKS[c.task];
  const all = referenceLayers(c, h.vae.pack.config.fps);
  const names = fill === 'reference' ? all.layers : sequenceLayout(h.vae.pack.config, task).condition.given;
  const given = { layers: names, clips: Object.fromEntries(names.map((l) => [l, all.clips[l]])) };
  const latent = await encodeGivenLayers(h.vae.pack, given, task, {
    posterior: 'sample',
    noise: recordedNoise(c, ['vae_posterior_noise']),
    ...(fill === 'reference' ? {} : { unsupplied: fill }),
  });
  const D = latent.layout.frameShape.reduce((a, b) => a * b, 1);
  const [from, to] = c.latent.cond_slots[0];
  const cond = latent.data.subarray(from * D, to * D);
  const { conditioning } = await encodeText(c, h);
  const noise = ['initial_noise', ...c.steps.flatMap((s) => (s.noise_used ? [s.noise_used] : []))];
  const sampled = await sampleLayers(
    h.model,
    conditioning,
    latent,
    { task, seed: 0, steps: c.sampler.num_steps },
    { noise: recordedNoise(c, noise) },
  );
  const decoded = await decodeSequence(h.vae.pack, sampled);
  const ref = planarOf(f32(c, 'decoded'), latent.layout.pixelFrames, latent.layout.height * latent.layout.width);
  const condRef = f32(c, 'cond_latents');
  return {
    cond: { max: maxRel(cond, condRef), rms: rmsRel(cond, condRef) },
    decoded: { max: maxRel(decoded, ref), rms: rmsRel(decoded, ref) },
  };
}

describe('golden pipeline', () => {
  before(async () => {
    if (!missing) await importReleases();
  });
  after(() => (out ? rm(out, { recursive: true, force: true }) : undefined));

  it('the pipeline folder is there', () => {
    if (missing) throw missing;
    assert.ok(cases.length > 0);
  });

  for (const c of cases) {
    it(`${c.name}: text, condition, every sampler step, decoded frames and bytes match the reference`, async (t) => {
      await replay(t, c);
    });
  }

  it('VAE Encode with its default params encodes in one pass (the reference’s moments); chunked passes differ', async (t) => {
    for (const c of cases.filter((x) => x.task !== 'gen')) {
      const h = await packOf(c);
      const task = TASKS[c.task] as 'decompose';
      const layers = referenceLayers(c, h.vae.pack.config.fps);
      const want = meanLatents(c, sequenceLayout(h.vae.pack.config, task), h.vae.pack.config.latentScale);
      const encode = async (params: Record<string, unknown>) =>
        ((await runNode(vaeEncode, { vae: h.vae, layers }, { task, ...params })).latent as LatentValue).data;
      const one = maxRel(await encode({}), want);
      assert.ok(
        one <= TOL,
        `${c.name}: VAE Encode's default is not the one-pass posterior mean (${one.toExponential(2)})`,
      );
      const chunked = [];
      for (const chunkFrames of [32, 16, 8]) {
        const got = await encode({ chunkFrames });
        const e = maxRel(got, want);
        assert.ok(e > 10 * TOL, `${c.name}: ${chunkFrames}-frame passes would go unnoticed (${e.toExponential(2)})`);
        chunked.push(`${chunkFrames} frames max ${e.toExponential(2)} rms ${rmsRel(got, want).toExponential(2)}`);
      }
      t.diagnostic(`${c.name}: one pass ${one.toExponential(2)}; chunked ${chunked.join(', ')}`);
    }
  });

  it('layers not given: all layers supplied reproduce the reference; the default filler lands nearest it', async (t) => {
    const conditioned = cases.filter((x) => x.task !== 'gen');
    assert.ok(conditioned.length > 0, 'no conditioned case');
    const sums = Object.fromEntries(UNSUPPLIED_FILLS.map((f) => [f, { cond: 0, decoded: 0 }]));
    for (const c of conditioned) {
      for (const fill of ['reference', ...UNSUPPLIED_FILLS] as const) {
        const e = await givenOnly(c, fill);
        t.diagnostic(
          `${c.name} ${fill}: cond_latents max ${e.cond.max.toExponential(2)} rms ${e.cond.rms.toExponential(2)}; decoded max ${e.decoded.max.toExponential(2)} rms ${e.decoded.rms.toExponential(2)}`,
        );
        if (fill === 'reference') {
          assert.ok(e.cond.max <= TOL && e.decoded.max <= TOL, `${c.name}: all layers given reproduce the reference`);
        } else {
          sums[fill].cond += e.cond.rms;
          sums[fill].decoded += e.decoded.rms;
        }
      }
    }
    const fill = vaeEncode.params.parse({}).unsupplied;
    for (const other of UNSUPPLIED_FILLS) {
      assert.ok(sums[fill].cond <= sums[other].cond, `default ${fill} moves the condition more than ${other}`);
      assert.ok(sums[fill].decoded <= sums[other].decoded, `default ${fill} moves the frames more than ${other}`);
    }
  });
});
