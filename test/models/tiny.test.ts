import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readPack } from '../../models/pack/read.ts';
import { runSession } from '../../models/session/run.ts';
import { getSession, release } from '../../models/session/sessions.ts';
import { buildTinyPack } from '../../models/tiny/build.ts';
import { TASKS } from '../../models/tiny/config.ts';
import { ensureTinyPack } from '../../models/tiny/ensure.ts';

const root = await mkdtemp(join(tmpdir(), 'tiny-test-'));
after(async () => {
  await release();
  await rm(root, { recursive: true, force: true });
});

describe('tiny packs', () => {
  it('are byte-identical for the same seed and differ for another', async () => {
    const a = await buildTinyPack('rgba', join(root, 'a'), 7);
    const b = await buildTinyPack('rgba', join(root, 'b'), 7);
    const c = await buildTinyPack('rgba', join(root, 'c'), 8);
    assert.deepEqual(a.files, b.files);
    assert.equal(
      await readFile(join(root, 'a', 'manifest.json'), 'utf8'),
      await readFile(join(root, 'b', 'manifest.json'), 'utf8'),
    );
    assert.notEqual(a.files['transformer.generate'].sha256, c.files['transformer.generate'].sha256);
  });

  it('open as valid packs whose transformers run on every task', async () => {
    for (const variant of ['rgb', 'rgba'] as const) {
      const pack = await ensureTinyPack(variant, join(root, `ensure-${variant}`));
      assert.equal(pack.manifest.variant, variant);
      assert.equal(pack.config.layerOrder.length, variant === 'rgba' ? 4 : 3);
      assert.deepEqual(pack.manifest.tasks, TASKS);
      // ensureTinyPack reuses a pack it built from the same source.
      const again = await ensureTinyPack(variant, join(root, `ensure-${variant}`));
      assert.deepEqual(again.manifest, pack.manifest);
      await readPack(pack.dir);
      const task = variant === 'rgba' ? 'bg-to-fg' : 'decompose';
      const session = await getSession(pack.files[`transformer.${task}`].abs, { providers: ['cpu'] });
      const feeds: Record<string, { dims: number[]; data: Float32Array }> = {};
      for (const meta of session.ort.inputMetadata) {
        const dims = (meta.isTensor ? meta.shape : []).map((d) => (typeof d === 'number' ? d : 1));
        const data = Float32Array.from({ length: dims.reduce((p, q) => p * q, 1) }, (_, i) => Math.sin(i * 0.37));
        feeds[meta.name] = { dims, data };
      }
      const { out } = await runSession(session, feeds);
      assert.deepEqual(out.dims, feeds.x.dims);
      assert.ok((out.data as Float32Array).every(Number.isFinite));
    }
  });
});
