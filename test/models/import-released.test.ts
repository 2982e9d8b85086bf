import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import type { DitConfig } from '../../models/dit/config.ts';
import { ditWeightShapes } from '../../models/dit/weights.ts';
import { DIT_PREFIX, openDitCheckpoint } from '../../models/import/dit-checkpoint.ts';
import { CheckpointError } from '../../models/import/errors.ts';
import { RELEASED_FOLDERS, releasedDitConfig } from '../../models/import/released.ts';
import { OrderedDictToWrite, type PickleValue, TensorToWrite, writeTorchFile } from '../../models/torch/write.ts';
import { f32Storage } from './checkpoint-fixture.ts';

const scratch = mkdtempSync(path.join(tmpdir(), 'lf-released-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * A checkpoint with a config's exact shapes at no size: every tensor views one element (stride 0), so the
 * released 2-B-parameter layout fits in a few kB. Its values are meaningless; names and shapes are real.
 */
async function shapesOnlyCheckpoint(folder: string, config: DitConfig): Promise<void> {
  const one = f32Storage('0', Float32Array.of(0.5));
  const entries: [string, PickleValue][] = [...ditWeightShapes(config)].map(([name, shape]) => [
    DIT_PREFIX + name,
    new TensorToWrite(
      one,
      shape,
      shape.map(() => 0),
    ),
  ]);
  mkdirSync(path.join(folder, '1000'), { recursive: true });
  writeFileSync(path.join(folder, 'latest'), '1000');
  const root = new Map<string, PickleValue>([['module', new OrderedDictToWrite(entries)]]);
  await writeTorchFile(path.join(folder, '1000', 'mp_rank_00_model_states.pt'), root, [one], {
    prefix: 'mp_rank_00_model_states',
  });
}

const posRows = (c: DitConfig) => ditWeightShapes(c).get('mixins.pos_embed.pos_embedding')?.[1];

test('released configs: the position-table rows and layer embedders of the eight released DiTs', () => {
  // Reference §8.1 row counts; §2.4 table: the layer embedder only in RGBA generation, fg2bg and bg2fg.
  const want: Record<string, [number, boolean]> = {
    'multi-layer-generation-rgba': [22278, true],
    'multi-layer-decomposition-rgba': [22052, false],
    'foreground-conditioned-generation-rgba': [23628, true],
    'background-conditioned-generation-rgba': [23628, true],
    'multi-layer-generation-rgb': [18228, false],
    'multi-layer-decomposition-rgb': [18002, false],
    'foreground-conditioned-generation-rgb': [18228, false],
    'background-conditioned-generation-rgb': [18228, false],
  };
  assert.deepEqual([...RELEASED_FOLDERS.keys()].sort(), Object.keys(want).sort());
  for (const [name, facts] of RELEASED_FOLDERS) {
    const c = releasedDitConfig(facts);
    assert.deepEqual([posRows(c), c.learnable_txt_embed], want[name], name);
    assert.equal(c.compressed_frames, facts.variant === 'rgb' ? 12 : facts.posFrames, `${name}: frames per call`);
  }
});

test('released folders open without a config; task, variant and LoRA ranks come from name and shapes', async () => {
  for (const [name, facts] of RELEASED_FOLDERS) {
    const config = releasedDitConfig(facts, { motion_r: 4, spatial_r: 64 });
    const folder = path.join(scratch, 'named', name);
    await shapesOnlyCheckpoint(folder, config);
    const ckpt = await openDitCheckpoint(folder);
    assert.equal(ckpt.task, facts.task, name);
    assert.equal(ckpt.variant, facts.variant, name);
    assert.deepEqual(ckpt.config, config, name);
    assert.equal(ckpt.weights.size, ditWeightShapes(config).size, name);
  }
});

test('released folders: contents that contradict the folder name are refused, naming the keys', async () => {
  const rgba = RELEASED_FOLDERS.get('multi-layer-generation-rgba');
  assert.ok(rgba);
  const folder = path.join(scratch, 'renamed', 'multi-layer-generation-rgb');
  await shapesOnlyCheckpoint(folder, releasedDitConfig(rgba));
  await assert.rejects(openDitCheckpoint(folder), (err: unknown) => {
    assert.ok(err instanceof CheckpointError && err.code === 'unexpected-keys', String(err));
    assert.ok(err.keys.includes('model.diffusion_model.mixins.pos_embed.txt_embedder.0.weight'), err.message);
    assert.ok(err.keys.includes('model.diffusion_model.mixins.pos_embed.pos_embedding'), 'the 16-frame table');
    assert.match(err.message, /the released configuration its folder name implies; other sizes need a config/);
    return true;
  });
});

test('released folders: a folder name that is not released needs a config', async () => {
  const gen = RELEASED_FOLDERS.get('multi-layer-generation-rgb');
  assert.ok(gen);
  const folder = path.join(scratch, 'other', 'my-finetune');
  await shapesOnlyCheckpoint(folder, releasedDitConfig(gen));
  await assert.rejects(openDitCheckpoint(folder), { code: 'unknown-checkpoint' });
  const ckpt = await openDitCheckpoint(folder, {
    config: { ...releasedDitConfig(gen), task_idx: null, generated_frames: 12, cond_frames: 0 },
  });
  assert.deepEqual([ckpt.task, ckpt.variant], ['generate', 'rgb']);
});
