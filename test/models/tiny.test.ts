import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type ModelPack, readPack } from '../../models/pack/read.ts';
import { BASE_ROLES, type Task } from '../../models/pack/schema.ts';
import { mulberry32, uniformArray } from '../../models/random.ts';
import { parseSafetensors } from '../../models/safetensors.ts';
import { runSession } from '../../models/session/run.ts';
import { getSession, type ManagedSession, release } from '../../models/session/sessions.ts';
import { buildTinyPack } from '../../models/tiny/build.ts';
import { TASKS } from '../../models/tiny/config.ts';
import { ensureTinyPack } from '../../models/tiny/ensure.ts';
import { loadTokenizer } from '../../models/tokenizer/tokenizer.ts';
import { carryFeeds } from '../../models/vae/carry-feeds.ts';

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
    for (const role of ['transformer.generate', 'textEncoder', 'vaeEncoder', 'vaeDecoder']) {
      assert.notEqual(a.files[role].sha256, c.files[role].sha256, role);
    }
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

const packs = new Map<string, Promise<ModelPack>>();
/** The variant's pack, built once for the tests below. */
function tinyPack(variant: 'rgb' | 'rgba'): Promise<ModelPack> {
  if (!packs.has(variant)) packs.set(variant, ensureTinyPack(variant, join(root, `parts-${variant}`)));
  return packs.get(variant) as Promise<ModelPack>;
}

const cpu = { providers: ['cpu' as const] };

describe('tiny pack parts', () => {
  it('hold every role, each loading with its reader', async () => {
    for (const variant of ['rgb', 'rgba'] as const) {
      const pack = await tinyPack(variant);
      const want = [...BASE_ROLES.filter((r) => r !== 'transformer'), ...TASKS.map((t) => `transformer.${t}`)];
      assert.deepEqual(Object.keys(pack.files).sort(), want.sort());
      for (const [role, file] of Object.entries(pack.files)) {
        if (file.path.endsWith('.onnx')) {
          const session = await getSession(file.abs, cpu);
          assert.ok(session.ort.inputNames.length > 0, role);
        } else if (file.path.endsWith('.safetensors')) {
          assert.ok(parseSafetensors(await readFile(file.abs), role).size > 0, role);
        } else {
          assert.equal(role, 'tokenizer');
          assert.ok(loadTokenizer(file.abs).model.pieces.length > 0);
        }
      }
    }
  });

  it('tokenize a layer prompt to 226 ids: the pieces, </s> (1), then <pad> (0)', async () => {
    const pack = await tinyPack('rgba');
    const tokenizer = loadTokenizer(pack.files.tokenizer.abs);
    const { ids, attentionMask, dims } = tokenizer.encode(['0, a red circle']);
    assert.deepEqual(dims, [1, 226]);
    const pieces = tokenizer.pieceIds('0, a red circle');
    assert.ok(
      pieces.length >= 4 && !pieces.includes(tokenizer.model.unkId),
      tokenizer.pieces('0, a red circle').join(' '),
    );
    assert.deepEqual([...ids.slice(0, pieces.length)].map(Number), pieces);
    assert.equal(ids[pieces.length], 1n);
    assert.ok(ids.slice(pieces.length + 1).every((id) => id === 0n));
    assert.equal(
      attentionMask.reduce((a, b) => a + b, 0n),
      BigInt(pieces.length + 1),
    );
  });

  it('encode text to [B, 226, textHidden] with one embedding row per tokenizer id', async () => {
    const pack = await tinyPack('rgb');
    const tokenizer = loadTokenizer(pack.files.tokenizer.abs);
    const session = await getSession(pack.files.textEncoder.abs, cpu);
    const { ids, dims } = tokenizer.encode(['0, a red circle', '1, green grass under a blue sky']);
    const { last_hidden_state: out } = await runSession(session, { input_ids: { dims, data: ids } });
    assert.deepEqual(out.dims, [2, 226, pack.config.textHidden]);
    const values = out.data as Float32Array;
    assert.ok(values.every(Number.isFinite));
    const rows = [values.subarray(0, 226 * pack.config.textHidden), values.subarray(226 * pack.config.textHidden)];
    assert.notDeepEqual(rows[0], rows[1], 'different prompts, different states');
    // The last id (<extra_id_0>) is the table's last row; one past it is outside the table.
    const vocab = tokenizer.size;
    assert.deepEqual([...tokenizer.encode(['<extra_id_0>']).ids.slice(0, 2)], [BigInt(vocab - 1), 1n]);
    const at = (id: number) => ({ input_ids: { dims: [1, 1], data: BigInt64Array.of(BigInt(id)) } });
    await runSession(session, at(vocab - 1));
    await assert.rejects(runSession(session, at(vocab)));
  });

  it("encode each task's layered clip to layers × framesPerLayer / temporalCompression (+1) latent frames", async () => {
    for (const variant of ['rgb', 'rgba'] as const) {
      const pack = await tinyPack(variant);
      const { config } = pack;
      const session = await getSession(pack.files.vaeEncoder.abs, cpu);
      for (const task of TASKS) {
        const { moments } = await encode(pack, session, task, 11);
        const k = config.framesPerLayer / config.temporalCompression;
        const dup = config.condition[task]?.duplicateFirstFrame ? 1 : 0;
        const s = config.spatialCompression;
        assert.deepEqual(
          moments.dims,
          [
            1,
            2 * config.latentChannels,
            config.layerOrder.length * k + dup,
            config.size.height / s,
            config.size.width / s,
          ],
          `${variant} ${task}`,
        );
        assert.ok((moments.data as Float32Array).every(Number.isFinite));
      }
    }
  });

  it('decode the latents of a clip with its first frame duplicated back to its pixel frames', async () => {
    const pack = await tinyPack('rgba');
    const task: Task = 'fg-to-bg';
    assert.ok(pack.config.condition[task]?.duplicateFirstFrame);
    await roundTrip(pack, task);
  });

  it('decode the latents of a clip without a duplicated first frame back to its pixel frames', async () => {
    const pack = await tinyPack('rgb');
    await roundTrip(pack, 'generate');
  });
});

/** The task's whole pixel sequence (random, in [-1, 1]) through the VAE encoder. */
async function encode(pack: ModelPack, session: ManagedSession, task: Task, seed: number) {
  const { config } = pack;
  const frames =
    config.layerOrder.length * config.framesPerLayer + (config.condition[task]?.duplicateFirstFrame ? 1 : 0);
  const dims = [1, 3, frames, config.size.height, config.size.width];
  const x = uniformArray(
    mulberry32(seed),
    dims.reduce((a, b) => a * b, 1),
    -1,
    1,
  );
  const { moments } = await runSession(session, { x: { dims, data: x } });
  return { frames, moments };
}

/** Encodes the task's sequence, decodes the mean and checks the decoder gives back as many frames. */
async function roundTrip(pack: ModelPack, task: Task): Promise<void> {
  const encoder = await getSession(pack.files.vaeEncoder.abs, cpu);
  const decoder = await getSession(pack.files.vaeDecoder.abs, cpu);
  const { frames, moments } = await encode(pack, encoder, task, 5);
  const [b, c2, t, h, w] = moments.dims;
  const mean = (moments.data as Float32Array).slice(0, (c2 / 2) * t * h * w); // channels 0..C-1 of [1, 2C, …]
  const z = { dims: [b, c2 / 2, t, h, w], data: mean };
  const { out } = await runSession(decoder, { z, ...carryFeeds(decoder.ort.inputNames) });
  assert.deepEqual(out.dims, [1, 3, frames, pack.config.size.height, pack.config.size.width]);
  assert.ok((out.data as Float32Array).every(Number.isFinite));
}
