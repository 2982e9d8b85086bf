import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { buildDit } from '../../models/dit/build.ts';
import { type DitCheckpoint, openDitCheckpoint } from '../../models/import/dit-checkpoint.ts';
import { CheckpointError } from '../../models/import/errors.ts';
import { RELEASED_FOLDERS } from '../../models/import/released.ts';
import type { Task } from '../../models/pack/schema.ts';
import { readAll } from '../../models/weights/source.ts';
import { goldenFiles, goldenRoot, rewriteCheckpoint } from './checkpoint-fixture.ts';
import { errors, runGraph } from './dit-run.ts';

const TOL = 1e-4;
const dir = path.join(goldenRoot, 'checkpoint');
const releaseDir = path.join(goldenRoot, 'release-tiny');

interface GoldenCase {
  name: string;
  task_idx?: 0 | 1 | 2 | null;
  x: number[];
  x_shape: number[];
  cond_input?: number[];
  cond_shape?: number[];
  timesteps: number[];
  context: number[];
  context_shape: number[];
  motion_scale: number;
  out: number[];
}

/** What one golden DiT entry says about its file (checkpoint/*.json, release-tiny.json `dit[]`). */
interface GoldenDit {
  label: string;
  folder: string;
  config: Record<string, unknown>;
  task: Task;
  variant: 'rgba' | 'rgb';
  plain: boolean;
  ignored: string[];
  cases: GoldenCase[];
}

const TASKS: Record<string, Task> = { gen: 'generate', seg: 'decompose', fg2bg: 'fg-to-bg', bg2fg: 'bg-to-fg' };
const f32 = (data: number[], dims: number[]) => ({ data: Float32Array.from(data), dims });
let cached: GoldenDit[] | undefined;
const scratch = mkdtempSync(path.join(tmpdir(), 'lf-checkpoint-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

test('golden checkpoint: folders exist and hold files', () => {
  assert.ok(
    readdirSync(dir).some((f) => f.endsWith('.json')),
    `no *.json in ${dir}`,
  );
  assert.ok(readdirSync(releaseDir).includes('release-tiny.json'), `no release-tiny.json in ${releaseDir}`);
});

for (const golden of goldenDits()) {
  test(`golden checkpoint ${golden.label}: imports task, variant, layout and the DiT keys`, async () => {
    const ckpt = await open(golden);
    assert.equal(ckpt.task, golden.task);
    assert.equal(ckpt.variant, golden.variant);
    assert.equal(ckpt.layout, golden.plain ? 'plain' : 'lora');
    assert.deepEqual(new Set(ckpt.ignored), new Set(golden.ignored));
  });

  for (const c of golden.cases) {
    test(`golden checkpoint ${golden.label} ${c.name}: merged and unmerged content LoRA reproduce the reference`, async () => {
      const ckpt = await open(golden);
      assert.equal(c.task_idx ?? 0, ckpt.call.task, 'the case runs the task the import found');
      const opts = { task: ckpt.call.task, conditioned: ckpt.call.conditioned, dtype: 'float32' as const };
      const weights = readAll(ckpt.weights);
      const merged = buildDit(ckpt.config, weights, { ...opts, lora: { motion: false, content: 'folded' } });
      const unmerged = buildDit(ckpt.config, weights, opts);
      for (const [how, g] of [
        ['merged', merged],
        ['unmerged', unmerged],
      ] as const) {
        const { out } = await runGraph(g, feeds(c));
        assert.equal(out.length, c.out.length);
        const { maxRel, maxAbs } = errors(out, c.out);
        console.log(`golden checkpoint ${golden.label} ${c.name} ${how}: max rel ${maxRel.toExponential(2)}`);
        assert.ok(
          maxRel <= TOL,
          `${how}: max |out − ref| / max |ref| = ${maxRel.toExponential(2)} > ${TOL} (abs ${maxAbs})`,
        );
      }
    });
  }
}

const source = () => {
  const golden = goldenDits().find((g) => g.label === 'gen-rgba-h48.json');
  assert.ok(golden, 'checkpoint/gen-rgba-h48.json');
  return golden;
};

test('golden checkpoint refusal: a missing DiT key is named with the file', async () => {
  const golden = source();
  const key = 'model.diffusion_model.transformer.layers.1.mlp.dense_h_to_4h.bias';
  const folder = await rewriteCheckpoint(golden.folder, path.join(scratch, 'missing'), (e) =>
    e.filter((x) => x.key !== key),
  );
  await assert.rejects(openDitCheckpoint(folder, { config: golden.config }), (err: unknown) => {
    assert.ok(err instanceof CheckpointError && err.code === 'missing-keys', String(err));
    assert.deepEqual(err.keys, [key]);
    assert.match(
      err.message,
      /mp_rank_00_model_states\.pt: missing 1 key\(s\): model\.diffusion_model\.transformer\.layers\.1\.mlp\.dense_h_to_4h\.bias/,
    );
    return true;
  });
});

test('golden checkpoint refusal: an unexpected DiT key is named with the file', async () => {
  const golden = source();
  const key = 'model.diffusion_model.transformer.layers.1.mlp.extra.weight';
  const folder = await rewriteCheckpoint(golden.folder, path.join(scratch, 'unexpected'), (e) => [
    ...e,
    { key, shape: [2], data: new Float32Array([1, 2]) },
  ]);
  await assert.rejects(openDitCheckpoint(folder, { config: golden.config }), (err: unknown) => {
    assert.ok(err instanceof CheckpointError && err.code === 'unexpected-keys', String(err));
    assert.deepEqual(err.keys, [key]);
    assert.ok(err.message.startsWith(path.join(folder, '1000', 'mp_rank_00_model_states.pt')), err.message);
    return true;
  });
});

test('golden checkpoint refusal: a shape mismatch names the key, both shapes and the file', async () => {
  const golden = source();
  const key = 'model.diffusion_model.mixins.final_layer.linear.bias';
  const folder = await rewriteCheckpoint(golden.folder, path.join(scratch, 'shape'), (e) =>
    e.map((x) => (x.key === key ? { key, shape: [x.shape[0] - 1], data: x.data.subarray(1) } : x)),
  );
  await assert.rejects(openDitCheckpoint(folder, { config: golden.config }), (err: unknown) => {
    assert.ok(err instanceof CheckpointError && err.code === 'shape-mismatch', String(err));
    assert.deepEqual(err.keys, [key]);
    assert.match(
      err.message,
      /mp_rank_00_model_states\.pt: .*final_layer\.linear\.bias is \[15\], the config needs \[16\]/,
    );
    return true;
  });
});

test('golden checkpoint refusal: a released folder name that its contents contradict', async () => {
  const rgba = goldenDits().find((g) => g.label === 'release-tiny multi-layer-generation-rgba');
  assert.ok(rgba, 'release-tiny multi-layer-generation-rgba');
  // The RGBA generation DiT, put under the RGB generation folder's name with the RGB config.
  const copy = await rewriteCheckpoint(rgba.folder, path.join(scratch, 'renamed'), (e) => e);
  const renamed = path.join(path.dirname(copy), 'multi-layer-generation-rgb');
  renameSync(copy, renamed);
  const rgbConfig = goldenDits().find((g) => g.label === 'release-tiny multi-layer-generation-rgb')?.config;
  await assert.rejects(openDitCheckpoint(renamed, { config: rgbConfig }), (err: unknown) => {
    assert.ok(err instanceof CheckpointError, String(err));
    assert.match(err.message, /mixins\.pos_embed\.txt_embedder/);
    return true;
  });
  await assert.rejects(openDitCheckpoint(renamed, { config: rgba.config }), (err: unknown) => {
    assert.ok(err instanceof CheckpointError && err.code === 'config-mismatch', String(err));
    // Its config has no reference_module: the folder name supplies it.
    assert.deepEqual(err.keys, ['learnable_txt_embed', 'pos_frames']);
    return true;
  });
});

function open(golden: GoldenDit): Promise<DitCheckpoint> {
  return openDitCheckpoint(golden.folder, { config: golden.config });
}

function feeds(c: GoldenCase) {
  return {
    x: f32(c.x, c.x_shape),
    timesteps: f32(c.timesteps, [c.timesteps.length]),
    context: f32(c.context, c.context_shape),
    motion_scale: f32([c.motion_scale], [1]),
    content_scale: f32([1], [1]),
    ...(c.cond_input && c.cond_shape ? { cond_input: f32(c.cond_input, c.cond_shape) } : {}),
  };
}

/** Every golden DiT checkpoint: checkpoint/*.json, then release-tiny.json's `dit[]`. */
function goldenDits(): GoldenDit[] {
  cached ??= [...checkpointDits(), ...releaseDits()];
  return cached;
}

function checkpointDits(): GoldenDit[] {
  return goldenFiles(dir).map((file) => {
    const g = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
    const facts = RELEASED_FOLDERS.get(g.released_folder);
    assert.ok(facts, `${file}: released_folder ${g.released_folder}`);
    return {
      label: file,
      folder: path.join(dir, g.checkpoint),
      // The file's config leaves the reference module to the top level.
      config: { ...g.config, reference_module: g.reference_module },
      task: facts.task,
      variant: facts.variant,
      plain: g.plain_linear,
      ignored: g.ignored_keys,
      cases: g.cases,
    };
  });
}

function releaseDits(): GoldenDit[] {
  let release: { dit: Record<string, never>[] };
  try {
    release = JSON.parse(readFileSync(path.join(releaseDir, 'release-tiny.json'), 'utf8'));
  } catch {
    return [];
  }
  return release.dit.map((d: Record<string, never>) => ({
    label: `release-tiny ${d.folder}`,
    folder: path.join(releaseDir, 'LayerFlow', d.folder),
    config: d.config,
    task: TASKS[d.task],
    variant: d.variant,
    plain: d.plain_linear,
    ignored: d.ignored_keys,
    cases: d.cases,
  }));
}
