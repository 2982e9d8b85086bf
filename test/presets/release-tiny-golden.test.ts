import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { defaultTargets } from '../../graph-engine/graph.ts';
import { runJob } from '../../graph-engine/run-job.ts';
import { resolveSeeds } from '../../graph-engine/seeds.ts';
import { loadWorkflow, type Workflow } from '../../graph-engine/workflow.ts';
import type { Frames } from '../../media/frames.ts';
import { readManifest } from '../../models/pack/manifest-file.ts';
import { carryFeeds } from '../../models/vae/carry-feeds.ts';
import { createRegistry } from '../../nodes/index.ts';
import { listPresets, loadPreset } from '../../presets/index.ts';
import { cli, cliImportRelease } from '../cli/cli-process.ts';
import type { VaeGoldenCase } from '../models/checkpoint-fixture.ts';
import { errors } from '../models/dit-run.ts';

/**
 * golden release-tiny: the whole tiny release (../shared/golden/release-tiny, laid out as a user downloads it)
 * imported with `layerflow pack import`, the pack files checked against the reference's cases, then every
 * shipped preset run end to end on the packs.
 */
const repoRoot = resolve(import.meta.dirname, '..', '..');
const goldenRoot = process.env.LAYERFLOW_GOLDEN_DIR ?? resolve(repoRoot, '..', 'shared', 'golden');
const release = join(goldenRoot, 'release-tiny');
const TOL = 1e-4;
const registry = createRegistry();

interface Case {
  name: string;
  x: number[];
  x_shape: number[];
  timesteps: number[];
  context: number[];
  context_shape: number[];
  cond_input?: number[];
  cond_shape?: number[];
  out: number[];
}
interface ReleaseJson {
  dit: { folder: string; task: string; variant: 'rgb' | 'rgba'; cases: Case[] }[];
  t5: { encoder_cases: { input_ids: number[]; last_hidden_state: number[]; shape: number[] }[] };
  vae: {
    cases: VaeGoldenCase[];
  };
}
const TASKS: Record<string, string> = { gen: 'generate', seg: 'decompose', fg2bg: 'fg-to-bg', bg2fg: 'bg-to-fg' };

let out = '';
let spec: ReleaseJson;
before(async () => {
  out = await mkdtemp(join(tmpdir(), 'lf-release-tiny-'));
});
after(() => rm(out, { recursive: true, force: true }));

async function run(file: string, feeds: Record<string, ort.Tensor>): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(file, { intraOpNumThreads: 2 });
  try {
    // a decoder built to decode in passes takes its first pass's carry inputs too
    const carry = Object.entries(carryFeeds(session.inputNames)).map(
      ([k, t]) => [k, new ort.Tensor('float32', t.data as Float32Array, t.dims)] as const,
    );
    const all = { ...feeds, ...Object.fromEntries(carry) };
    const taken = Object.fromEntries(Object.entries(all).filter(([k]) => session.inputNames.includes(k)));
    const result = await session.run(taken);
    // by name where the graph has one: a decoder with carry also outputs its caches
    const name = ['out', 'moments'].find((n) => session.outputNames.includes(n)) ?? session.outputNames[0];
    return result[name].data as Float32Array;
  } finally {
    await session.release();
  }
}
const f32 = (data: number[], dims: number[]) => new ort.Tensor('float32', Float32Array.from(data), dims);

describe('golden release-tiny', () => {
  it('the release folder is there', () => {
    assert.ok(statSync(join(release, 'release-tiny.json')).isFile(), `no release-tiny.json in ${release}`);
    spec = JSON.parse(readFileSync(join(release, 'release-tiny.json'), 'utf8'));
  });

  it('imports with the CLI into an RGBA and an RGB pack that share T5 and VAE files on disk', async () => {
    const r = await cliImportRelease(release, out, 'tiny-release');
    assert.equal(r.code, 0, r.stderr);
    for (const variant of ['rgba', 'rgb'] as const) {
      const m = await readManifest(join(out, `tiny-release-${variant}`));
      assert.deepEqual(m.tasks, ['generate', 'decompose', 'fg-to-bg', 'bg-to-fg']);
      assert.equal(m.kind, 'layerflow');
    }
    const ino = (v: string) => statSync(join(out, `tiny-release-${v}`, 'text-encoder.weights')).ino;
    assert.equal(ino('rgba'), ino('rgb'), 'the T5 weights are one file on disk');
    const verify = await cli(['pack', 'verify', join(out, 'tiny-release-rgb')]);
    assert.equal(verify.code, 0, verify.stderr);
  });

  it('the imported transformers (LoRA and merged graphs) reproduce every DiT case of the release', async () => {
    for (const d of spec.dit) {
      const dir = join(out, `tiny-release-${d.variant}`);
      const task = TASKS[d.task];
      for (const c of d.cases) {
        const feeds: Record<string, ort.Tensor> = {
          x: f32(c.x, c.x_shape),
          timesteps: f32(c.timesteps, [c.timesteps.length]),
          context: f32(c.context, c.context_shape),
          motion_scale: f32([0], [1]),
          content_scale: f32([1], [1]),
          ...(c.cond_input && c.cond_shape ? { cond_input: f32(c.cond_input, c.cond_shape) } : {}),
        };
        for (const file of [`transformer-${task}.onnx`, `transformer-${task}-merged.onnx`]) {
          const got = await run(join(dir, file), feeds);
          const { maxRel } = errors(got, c.out);
          assert.ok(maxRel <= TOL, `${d.folder} ${c.name} ${file}: ${maxRel.toExponential(2)}`);
        }
      }
    }
  });

  it('the imported T5 and VAE reproduce the release’s text and VAE cases', async () => {
    const dir = join(out, 'tiny-release-rgba');
    for (const c of spec.t5.encoder_cases) {
      const ids = new ort.Tensor('int64', BigInt64Array.from(c.input_ids.map(BigInt)), [1, c.input_ids.length]);
      const got = await run(join(dir, 'text-encoder.onnx'), { input_ids: ids });
      assert.ok(errors(got, c.last_hidden_state).maxRel <= TOL, 't5');
    }
    for (const c of spec.vae.cases) {
      const got = c.x
        ? await run(join(dir, 'vae-encoder.onnx'), { x: f32(c.x, c.x_shape as number[]) })
        : await run(join(dir, 'vae-decoder.onnx'), { z: f32(c.z as number[], c.z_shape as number[]) });
      const want = (c.moments ?? c.out) as number[];
      assert.ok(errors(got, want).maxRel <= TOL, `vae ${c.name}: ${errors(got, want).maxRel}`);
    }
  });

  it('every shipped preset runs end to end on the imported packs', async () => {
    const names = (await listPresets()).map((p) => p.name).filter((n) => n !== 'toy-add');
    assert.ok(names.length >= 6);
    for (const name of names) {
      const loaded = loadWorkflow(await loadPreset(name), { registry });
      assert.ok(loaded.ok, name);
      const variant = name.endsWith('-rgb') ? 'rgb' : 'rgba';
      const wf = onPack(loaded.workflow, join(out, `tiny-release-${variant}`));
      const { workflow, seeds } = resolveSeeds(wf, registry);
      const { result, manifest } = await runJob(
        {
          id: name,
          title: name,
          workflow,
          seeds,
          outDir: join(out, 'runs', name),
          targets: defaultTargets(workflow, registry),
        },
        { registry },
      );
      assert.equal(result.status, 'finished', `${name}: ${result.error?.message}`);
      assert.ok(manifest.files.length > 0 && manifest.files.every((f) => f.bytes > 0), `${name} wrote its files`);
      const videos = Object.values(result.outputs).filter(
        (v): v is Frames => !!v && typeof v === 'object' && 'frames' in v,
      );
      for (const v of videos) assert.deepEqual([v.width, v.height], [48, 32], name);
    }
  });
});

/** The preset on an imported pack, 2 sampler steps, its demo clip at the release's size. */
function onPack(wf: Workflow, dir: string): Workflow {
  const nodes = structuredClone(wf.nodes);
  for (const n of Object.values(nodes)) {
    if (n.type === 'layerflow.load-pack') n.params.pack = dir;
    if (n.type === 'layerflow.dit-sampler' || n.type === 'layerflow.decompose') n.params.steps = 2;
    if (n.type === 'layerflow.demo-clip') Object.assign(n.params, { frames: 16, width: 48, height: 32 });
  }
  return { ...wf, nodes };
}
