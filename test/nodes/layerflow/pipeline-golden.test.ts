import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { toBytes } from '../../../media/frames.ts';
import { decodePng } from '../../../media/png.ts';
import { ditSampler, type StepTrace, sampleLayers } from '../../../nodes/layerflow/dit-sampler.ts';
import { emptyLatent } from '../../../nodes/layerflow/empty-latent.ts';
import { type LayerTextValue, layerPrompts } from '../../../nodes/layerflow/layer-prompts.ts';
import { type SequenceLayout, sequenceLayout } from '../../../nodes/layerflow/layout.ts';
import { fitClip, layerClips, planarSequence } from '../../../nodes/layerflow/pixels.ts';
import { textEncode, tokenizerOf } from '../../../nodes/layerflow/text-encode.ts';
import { decodeSequence, vaeDecode } from '../../../nodes/layerflow/vae-decode.ts';
import { UNSUPPLIED_FILLS, type UnsuppliedFill, vaeEncode } from '../../../nodes/layerflow/vae-encode.ts';
import type { LatentValue, LayerConditioningValue, LayeredVideoValue } from '../../../nodes/layerflow/values.ts';
import { layerFileName } from '../../../nodes/media/files.ts';
import { saveVideo } from '../../../nodes/media/save-video.ts';
import { cliImportRelease } from '../../cli/cli-process.ts';
import { type Handles, handles, recordingContext, runNode } from './harness.ts';
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
 * nodes on packs imported from the case's release with `layerflow pack import`, the recorded noise fed
 * where the reference draws it (RunContext.noise), the reference's choices made through node params;
 * every named tensor compared, and the bytes Save Video writes.
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
    const r = await cliImportRelease(release, dir, 'golden', '--json');
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

/** The noise the product's nodes draw for a case, in their order: the posterior (conditioned tasks), the start, each step's. */
function noiseNames(c: PipelineCase): string[] {
  return [
    ...(c.task === 'gen' ? [] : ['vae_posterior_noise']),
    'initial_noise',
    ...c.steps.flatMap((s) => (s.noise_used ? [s.noise_used] : [])),
  ];
}

/** A run context whose seeded nodes draw the case's recorded noise (RunContext.noise). */
function replayContext(c: PipelineCase, names = noiseNames(c), outDir?: string) {
  return { ...recordingContext(undefined, outDir), noise: recordedNoise(c, names) };
}

interface PipelineRun {
  conditioning: LayerConditioningValue;
  text: LayerTextValue;
  /** VAE Encode's latent (conditioned tasks) or Empty Layered Latent's. */
  latent: LatentValue;
  /** DiT Sampler's output. */
  sampled: LatentValue;
  /** VAE Decode's layers. */
  layers: LayeredVideoValue;
}

/**
 * The case through the product's nodes as a graph wires them: Layer Prompts → Text Encode; VAE Encode (the
 * given `layers`, `encode` params) or Empty Layered Latent; DiT Sampler (the case's steps, the pack's
 * schedule); VAE Decode. Seeded nodes draw the recorded noise, all of it.
 */
async function runPipeline(
  c: PipelineCase,
  h: Handles,
  layers: LayeredVideoValue | undefined,
  encode: Record<string, unknown>,
): Promise<PipelineRun> {
  const task = TASKS[c.task];
  const names = noiseNames(c);
  const ctx = replayContext(c, names);
  const { text, conditioning } = await encodeText(c, h);
  const latent = (
    task === 'generate'
      ? await runNode(emptyLatent, { model: h.model }, {}, ctx)
      : await runNode(vaeEncode, { vae: h.vae, layers }, { task, ...encode }, ctx)
  ).latent as LatentValue;
  const sampled = (
    await runNode(ditSampler, { model: h.model, conditioning, latent }, { task, steps: c.sampler.num_steps }, ctx)
  ).latent as LatentValue;
  const decoded = (await runNode(vaeDecode, { vae: h.vae, latent: sampled }, {}, ctx)).layers as LayeredVideoValue;
  assert.throws(() => ctx.noise(1), /more noise requested/, `${c.name}: the nodes drew less noise than recorded`);
  return { text, conditioning, latent, sampled, layers: decoded };
}

/**
 * The layers through Save Video (PNG sequence, `truncate`) against video_u8: the leading duplicate (the
 * product drops it) aside, equal except single bytes off by one where the reference's float sits within the
 * decode error of a level boundary.
 */
async function checkBytes(c: PipelineCase, layout: SequenceLayout, layers: LayeredVideoValue, decodeErr: number) {
  const dir = await mkdtemp(join(out, 'save-'));
  const saved = recordingContext(undefined, dir);
  await runNode(saveVideo, { layers }, { format: 'png-seq', quantize: 'truncate', filename: 'video' }, saved);
  const rounding = recordingContext(undefined, dir);
  await runNode(saveVideo, { layers }, { format: 'png-seq', filename: 'rounded' }, rounding);
  const want = bytesOf(c, 'video_u8');
  const n = layout.height * layout.width;
  const refFloat = layerClips(layout, planarOf(f32(c, 'decoded'), layout.pixelFrames, n), 8);
  const rgbOf = async (folder: string, f: number) => {
    const file = join(folder, `frame_${String(f + 1).padStart(5, '0')}.png`);
    const { rgba } = decodePng(await readFile(file), file);
    return Uint8Array.from({ length: n * 3 }, (_, i) => rgba[Math.floor(i / 3) * 4 + (i % 3)]);
  };
  let off = 0;
  let rounded = 0;
  let total = 0;
  for (const [l, layer] of layout.layers.entries()) {
    for (let f = 0; f < layout.framesPerLayer; f++) {
      const at = (layout.lead + l * layout.framesPerLayer + f) * n * 3;
      const truth = want.subarray(at, at + n * 3);
      // the product's conversion of the recorded floats is the recorded bytes, exactly
      const ref = refFloat[layer].data.subarray(f * n * 3, (f + 1) * n * 3);
      const exact = toBytes(ref, undefined, 'truncate');
      const bad = exact.findIndex((b, i) => b !== truth[i]);
      assert.equal(
        bad,
        -1,
        `${c.name} ${layer}: the recorded float ${ref[bad]} gives ${exact[bad]}, not ${truth[bad]}`,
      );
      const ours = await rgbOf(join(dir, 'video', layerFileName(layer)), f);
      const round = await rgbOf(join(dir, 'rounded', layerFileName(layer)), f);
      for (let i = 0; i < truth.length; i++) {
        total++;
        if (round[i] !== truth[i]) rounded++;
        if (ours[i] === truth[i]) continue;
        off++;
        assert.equal(
          Math.abs(ours[i] - truth[i]),
          1,
          `${c.name} ${layer} frame ${f} byte ${i}: ${ours[i]} vs ${truth[i]}`,
        );
        const level = Math.fround(ref[i] * 255);
        const slack = (255 / 2) * decodeErr * 1.01;
        assert.ok(Math.abs(level - Math.round(level)) <= slack, `${c.name} ${layer} byte ${i} is not on a boundary`);
      }
    }
  }
  assert.ok(off <= 5e-4 * total, `${c.name}: ${off} of ${total} bytes off by one`);
  assert.ok(rounded > 0.1 * total, 'rounding instead of truncation would be caught');
  return { off, total, rounded };
}

/** The recorded posterior mean in the transformer's units: vae_moments' mean × scale, as [T, C, h, w]. */
function meanLatents(c: PipelineCase, layout: SequenceLayout, scale: number): Float32Array {
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

/** Every layer the reference's loader feeds (README step 2), as a LayeredVideo for VAE Encode. */
function allLayers(c: PipelineCase, h: Handles): LayeredVideoValue {
  return referenceLayers(c, h.vae.pack.config.fps);
}

async function replay(t: TestContext, c: PipelineCase): Promise<Record<string, number>> {
  const errs: Record<string, number> = {};
  const h = await packOf(c);
  const task = TASKS[c.task];
  const L = c.prompts.length;
  const layers = task === 'generate' ? undefined : allLayers(c, h);
  // the reference's choices, as node params: every layer supplied, the posterior sampled, one VAE pass
  const run = await runPipeline(c, h, layers, { posterior: 'sample', chunkFrames: 0 });
  const { layout } = run.sampled;

  // 1. text
  const tokens = 226;
  const enc = tokenizerOf(h.textEncoder.pack).encode(run.text.prompts.slice(0, L), tokens);
  assert.deepEqual(Array.from(enc.ids, Number), ids(c), `${c.name}: input_ids`);
  check(errs, 't5_cond', run.conditioning.cond.subarray(0, L * tokens * 32), f32(c, 't5_cond'));
  assert.ok(
    run.conditioning.uncondIsZero && run.conditioning.uncond.every((v) => v === 0),
    'unconditional rows are zeros',
  );

  // 2. condition latents
  if (layers) {
    const k = layout.framesPerLayer;
    const fitted = layout.layers.map((l) => fitClip(layers.clips[l], k, layout.width, layout.height, l));
    check(errs, 'input_video', loaderOrder(layout, planarSequence(layout, fitted)), f32(c, 'input_video'));
    check(errs, 'latents_encoded', run.latent.data, f32(c, 'latents_encoded'));
    const [from, to] = c.latent.cond_slots[0];
    const D = layout.frameShape.reduce((a, b) => a * b, 1);
    check(errs, 'cond_latents', run.latent.data.subarray(from * D, to * D), f32(c, 'cond_latents'));
  }

  // 3–5. every sampler step, on the nodes' inputs and DiT Sampler's settings, and the node's result
  const traces: StepTrace[] = [];
  const settings = ditSampler.params.parse({ task, steps: c.sampler.num_steps });
  await sampleLayers(h.model, run.conditioning, run.latent, settings, {
    noise: recordedNoise(
      c,
      noiseNames(c).filter((n) => n !== 'vae_posterior_noise'),
    ),
    onTrace: (_i, trace) => traces.push(trace),
  });
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
  check(errs, 'latents_final', run.sampled.data, f32(c, 'latents_final'));

  // 6. one VAE decode: the raw output, and VAE Decode's clips against the reference's clamped (v + 1) / 2
  const n = layout.height * layout.width;
  const ref = planarOf(f32(c, 'decoded'), layout.pixelFrames, n);
  const decoded = await decodeSequence(h.vae.pack, run.sampled);
  check(errs, 'decoded', decoded, ref);
  let maxAbs = 0;
  let refMax = 0;
  for (let i = 0; i < decoded.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(decoded[i] - ref[i]));
    refMax = Math.max(refMax, Math.abs(ref[i]));
  }
  // VAE Decode's clips are (clamp(v) + 1) / 2: the decoded tolerance carried through that map
  const refClips = layerClips(layout, ref, 8);
  for (const layer of layout.layers) {
    const got = run.layers.clips[layer].data;
    const want = refClips[layer].data;
    let d = 0;
    for (let i = 0; i < want.length; i++) d = Math.max(d, Math.abs(got[i] - want[i]));
    errs[`${layer} clip`] = d / (refMax / 2);
    assert.ok(errs[`${layer} clip`] <= TOL, `${c.name}: VAE Decode's ${layer} clip is off by ${d}`);
  }

  // 7. the bytes Save Video writes
  const report = (b: string) =>
    t.diagnostic(
      `${c.name}: ${Object.entries(errs)
        .map(([k, e]) => `${k} ${e.toExponential(1)}`)
        .join(', ')}; video_u8 ${b}`,
    );
  try {
    const bytes = await checkBytes(c, layout, run.layers, maxAbs);
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
 * A conditioned case given only the task's layers (VAE Encode fills the others as `fill` says), the
 * recorded noise replayed throughout: how far the condition latents and the decoded frames land from the
 * reference's.
 */
async function givenOnly(c: PipelineCase, fill: UnsuppliedFill) {
  const h = await packOf(c);
  const all = allLayers(c, h);
  const names = sequenceLayout(h.vae.pack.config, TASKS[c.task]).condition.given;
  const given = { layers: names, clips: Object.fromEntries(names.map((l) => [l, all.clips[l]])) };
  const run = await runPipeline(c, h, given, { posterior: 'sample', unsupplied: fill });
  const D = run.latent.layout.frameShape.reduce((a, b) => a * b, 1);
  const [from, to] = c.latent.cond_slots[0];
  const cond = run.latent.data.subarray(from * D, to * D);
  const decoded = await decodeSequence(h.vae.pack, run.sampled);
  const { layout } = run.latent;
  const ref = planarOf(f32(c, 'decoded'), layout.pixelFrames, layout.height * layout.width);
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

  it('VAE Decode with its default params decodes in one pass (the reference’s frames); passes differ', async (t) => {
    for (const c of cases) {
      const h = await packOf(c);
      const task = TASKS[c.task];
      const layout = sequenceLayout(h.vae.pack.config, task);
      const latent: LatentValue = {
        task,
        layout,
        shape: [layout.latentFrames, ...layout.frameShape],
        data: f32(c, 'latents_final'),
        fps: h.vae.pack.config.fps,
      };
      const want = planarOf(f32(c, 'decoded'), layout.pixelFrames, layout.height * layout.width);
      const one = maxRel(await decodeSequence(h.vae.pack, latent, vaeDecode.params.parse({})), want);
      assert.ok(one <= TOL, `${c.name}: VAE Decode's default is not the one-pass decode (${one.toExponential(2)})`);
      const passes = [];
      for (const chunkFrames of [16, 8]) {
        const got = await decodeSequence(h.vae.pack, latent, { chunkFrames });
        const e = maxRel(got, want);
        assert.ok(e > 10 * TOL, `${c.name}: ${chunkFrames}-frame passes would go unnoticed (${e.toExponential(2)})`);
        passes.push(`${chunkFrames} frames max ${e.toExponential(2)} rms ${rmsRel(got, want).toExponential(2)}`);
      }
      t.diagnostic(`${c.name}: one pass ${one.toExponential(2)}; in passes ${passes.join(', ')}`);
    }
  });

  it('layers not given: the default filler lands nearest the reference (all layers given reproduce it, above)', async (t) => {
    const conditioned = cases.filter((x) => x.task !== 'gen');
    assert.ok(conditioned.length > 0, 'no conditioned case');
    const sums = Object.fromEntries(UNSUPPLIED_FILLS.map((f) => [f, { cond: 0, decoded: 0 }]));
    for (const c of conditioned) {
      for (const fill of UNSUPPLIED_FILLS) {
        const e = await givenOnly(c, fill);
        t.diagnostic(
          `${c.name} ${fill}: cond_latents max ${e.cond.max.toExponential(2)} rms ${e.cond.rms.toExponential(2)}; decoded max ${e.decoded.max.toExponential(2)} rms ${e.decoded.rms.toExponential(2)}`,
        );
        sums[fill].cond += e.cond.rms;
        sums[fill].decoded += e.decoded.rms;
      }
    }
    const fill = vaeEncode.params.parse({}).unsupplied;
    for (const other of UNSUPPLIED_FILLS) {
      assert.ok(sums[fill].cond <= sums[other].cond, `default ${fill} moves the condition more than ${other}`);
      assert.ok(sums[fill].decoded <= sums[other].decoded, `default ${fill} moves the frames more than ${other}`);
    }
  });
});
