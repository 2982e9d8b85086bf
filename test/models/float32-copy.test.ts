import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import onnxProto from 'onnx-proto';
import { buildDit } from '../../models/dit/build.ts';
import { ditDims } from '../../models/dit/config.ts';
import { randomDitWeights } from '../../models/dit/random-weights.ts';
import { ExternalDataFile, writeGraph } from '../../models/onnx/external-data.ts';
import { mulberry32, uniformArray } from '../../models/random.ts';
import { fromHalf, toHalf } from '../../models/session/float16.ts';
import { FLOAT32_DIR, float32CopyOf } from '../../models/session/float32-copy.ts';
import { runSession, type Tensor } from '../../models/session/run.ts';
import { getSession, release } from '../../models/session/sessions.ts';
import { tinyDitConfig, tinyPackConfig } from '../../models/tiny/config.ts';
import { errors, type Feeds, runGraph } from './dit-run.ts';

const dir = await mkdtemp(join(tmpdir(), 'float32-copy-'));
after(async () => {
  await release();
  await rm(dir, { recursive: true, force: true });
});

const config = tinyDitConfig(tinyPackConfig('rgba'), 'generate');
const weights = randomDitWeights(config, 7);
/** The float16 pack's weights as float32 exactly: what its CPU copy must compute with. */
const rounded = new Map([...weights].map(([k, v]) => [k, fromHalf(toHalf(v))]));
const { frames } = ditDims(config);
const next = mulberry32(3);
const feeds: Record<string, Tensor> = {
  x: {
    dims: [1, frames, config.in_channels, config.latent_height, config.latent_width],
    data: uniformArray(next, frames * config.in_channels * config.latent_height * config.latent_width, -1, 1),
  },
  timesteps: { dims: [1], data: Float32Array.of(500) },
  context: {
    dims: [1, config.text_length, config.text_hidden_size],
    data: uniformArray(next, config.text_length * config.text_hidden_size, -1, 1),
  },
  motion_scale: { dims: [1], data: Float32Array.of(0.5) },
  content_scale: { dims: [1], data: Float32Array.of(1) },
};

/** Writes the LoRA and merged graphs sharing one external weights file, as `layerflow pack import` does. */
async function writePackGraphs(folder: string, dtype: 'float16' | 'float32', w = weights): Promise<string[]> {
  await mkdir(folder, { recursive: true });
  const data = new ExternalDataFile(join(folder, 'transformer.weights'), 256);
  const files = [join(folder, 'transformer-generate.onnx'), join(folder, 'transformer-generate-merged.onnx')];
  writeGraph(buildDit(config, w, { dtype }), files[0], data);
  writeGraph(buildDit(config, w, { dtype, lora: { motion: false, content: 'folded' } }), files[1], data);
  await data.close();
  return files;
}

async function outOf(file: string, providers = ['cpu']): Promise<{ out: Float32Array; loaded: string }> {
  const session = await getSession(file, { providers });
  const names = session.ort.inputNames;
  const result = await runSession(
    session,
    Object.fromEntries(Object.entries(feeds).filter(([k]) => names.includes(k))),
  );
  return { out: result.out.data as Float32Array, loaded: session.loaded };
}

const copyPath = (folder: string) => join(folder, FLOAT32_DIR, 'transformer-generate.onnx');

const halfInitializers = async (file: string) =>
  onnxProto.onnx.ModelProto.decode(await readFile(file)).graph?.initializer?.filter((t) => t.dataType === 10).length ??
  0;

test('a float16 pack runs on CPU as float32: same result as float32 weights of the same values', async () => {
  const [lora, merged] = await writePackGraphs(join(dir, 'f16'), 'float16');
  const [wantLora, wantMerged] = await writePackGraphs(join(dir, 'f32'), 'float32', rounded);
  const got = await outOf(lora);
  assert.equal(got.loaded, join(dir, 'f16', FLOAT32_DIR, 'transformer-generate.onnx'));
  assert.equal(await halfInitializers(got.loaded), 0);
  assert.ok(errors(got.out, (await outOf(wantLora)).out).maxRel < 1e-5, 'LoRA graph as float32');
  // The merged graph's copy shares the LoRA graph's float32 weights file.
  const weightsFile = join(dir, 'f16', FLOAT32_DIR, 'transformer.weights');
  const before = (await stat(weightsFile)).ino;
  const gotMerged = await outOf(merged);
  assert.equal((await stat(weightsFile)).ino, before);
  const want = (await outOf(wantMerged)).out;
  assert.ok(errors(gotMerged.out, want).maxRel < 1e-5, 'merged graph as float32');
  // Computing in float16 (what ORT did with the float16 graph) is measurably further off.
  const inHalf = await runGraph(
    buildDit(config, weights, { dtype: 'float16', lora: { motion: false, content: 'folded' } }),
    feeds as Feeds,
  );
  assert.ok(errors(inHalf.out, want).maxRel > 10 * errors(gotMerged.out, want).maxRel);
  await release();
});

test('the copy is reused while the pack is unchanged and made again when it changes', async () => {
  const folder = join(dir, 'again');
  const [lora] = await writePackGraphs(folder, 'float16');
  assert.deepEqual(await float32CopyOf(lora), { copy: true, path: copyPath(folder), converted: true });
  assert.deepEqual(await float32CopyOf(lora), { copy: true, path: copyPath(folder), converted: false });
  const first = await outOf(lora);
  await release();
  // New weights in the pack (a re-import): the copy must follow them, not serve the old values.
  const other = randomDitWeights(config, 8);
  await writePackGraphs(folder, 'float16', other);
  assert.deepEqual(await float32CopyOf(lora), { copy: true, path: copyPath(folder), converted: true });
  const second = await outOf(lora);
  assert.ok(errors(second.out, first.out).maxRel > 1e-3, 'the result follows the new weights');
  await release();
});

test('float32 graphs load as they are', async () => {
  const [f32] = await writePackGraphs(join(dir, 'plain'), 'float32');
  assert.deepEqual(await float32CopyOf(f32), { copy: false, reason: 'no float16 weights' });
  assert.equal((await outOf(f32)).loaded, f32);
});
