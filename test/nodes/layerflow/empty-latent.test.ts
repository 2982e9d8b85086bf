import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptyLatent } from '../../../nodes/layerflow/empty-latent.ts';
import type { LatentValue } from '../../../nodes/layerflow/values.ts';
import { handles, runNode } from './harness.ts';

/** A Model type as Load Model Pack infers it for the tiny RGBA pack. */
const TINY = {
  kind: 'Model',
  variant: 'rgba',
  layers: ['foreground', 'alpha', 'background', 'blend'],
  frames: 8,
  width: 48,
  height: 32,
  temporalCompression: 4,
  spatialCompression: 8,
  patchSize: 2,
  latentChannels: 4,
};

const infer = (params: Record<string, number>) => {
  const r = emptyLatent.infer?.({ model: TINY }, params);
  assert.ok(r);
  return r;
};

describe('layerflow.empty-latent', () => {
  it('infers the generate layout of the pack: 4 layers × 2 latent frames of 4×6×4', () => {
    const { outputs, issues } = infer({});
    assert.deepEqual(issues, []);
    assert.deepEqual(outputs.latent, {
      kind: 'Latent',
      task: 'generate',
      layers: TINY.layers,
      frames: 8,
      width: 6,
      height: 4,
      channels: 4,
    });
  });

  it('flags frames that are no multiple of the temporal compression, sizes no multiple of 8 × patch 2', () => {
    const codes = (p: Record<string, number>) => infer(p).issues?.map((i) => `${i.field}:${i.code}`);
    assert.deepEqual(codes({ frames: 6 }), ['frames:frames-not-multiple']);
    assert.deepEqual(codes({ width: 40, height: 24 }), ['width:size-not-multiple', 'height:size-not-multiple']);
    assert.deepEqual(codes({ width: 64 }), ['width:size-unsupported'], 'the tiny transformer is built for 48 wide');
    assert.deepEqual(codes({ frames: 8, width: 48, height: 32 }), []);
  });

  it('runs to a zero latent of the pack’s generate layout; the demo VAE keeps one latent frame per pixel frame', async () => {
    const h = await handles('demo-rgb');
    const { latent } = (await runNode(emptyLatent, { model: h.model })) as { latent: LatentValue };
    assert.equal(latent.task, 'generate');
    assert.deepEqual(latent.shape, [3 * 16, 192, 8, 8]);
    assert.equal(latent.data.length, 3 * 16 * 192 * 64);
    assert.ok(latent.data.every((v) => v === 0));
    await assert.rejects(
      runNode(emptyLatent, { model: h.model }, { width: 128 }),
      (e: Error & { code?: string; field?: string }) => e.field === 'width',
    );
  });
});
