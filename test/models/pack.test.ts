import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, truncate, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { referenceConditions } from '../../models/pack/conditions.ts';
import { PackError } from '../../models/pack/errors.ts';
import { HASH_CACHE_FILE } from '../../models/pack/hash-cache.ts';
import { readGraphInputs } from '../../models/pack/onnx-inputs.ts';
import { readPack } from '../../models/pack/read.ts';
import { transformerFor } from '../../models/pack/schema.ts';
import { transformerInputIssues } from '../../models/pack/transformer-inputs.ts';
import { writePack } from '../../models/pack/write.ts';
import { fixturePack, seededBytes } from './pack-fixture.ts';

const root = await mkdtemp(join(tmpdir(), 'pack-test-'));
after(() => rm(root, { recursive: true, force: true }));
let n = 0;

async function freshPack(channels = 4): Promise<string> {
  const dir = join(root, `pack-${n++}`);
  const { draft, contents } = fixturePack(channels);
  await writePack(dir, draft, contents);
  return dir;
}

async function refused(dir: string, code: string, file: string): Promise<PackError> {
  const err = await readPack(dir).then(
    () => assert.fail('readPack accepted a broken pack'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof PackError, `expected a PackError, got ${err}`);
  assert.equal(err.code, code, err.message);
  assert.equal(err.file, file);
  assert.ok(err.message.includes(file), `message names the file: ${err.message}`);
  return err;
}

describe('model pack write/read', () => {
  it('round-trips the manifest and resolves every file with its hash', async () => {
    const dir = await freshPack();
    const pack = await readPack(dir);
    const { draft, contents } = fixturePack();
    assert.deepEqual({ ...pack.manifest, files: undefined }, { ...draft, files: undefined });
    assert.deepEqual(Object.keys(pack.files).sort(), Object.keys(draft.files).sort());
    const tf = pack.files.transformer;
    assert.equal(tf.abs, join(dir, 'transformer.onnx'));
    assert.deepEqual(
      new Uint8Array(await readFile(tf.abs)),
      new Uint8Array(contents['transformer.onnx'] as Uint8Array),
    );
    assert.equal(tf.externalData?.bytes, 1031);
    assert.equal(transformerFor(pack.manifest, 'fg-to-bg')?.path, 'transformer.onnx');
    assert.deepEqual(pack.warnings, []);
    const saved = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
    assert.deepEqual(saved, pack.manifest);
  });

  it('replaces an existing pack folder as a whole', async () => {
    const dir = await freshPack();
    await writeFile(join(dir, 'stray.bin'), 'left over');
    const { draft, contents } = fixturePack();
    contents['vae-decoder.onnx'] = seededBytes(500, 99);
    await writePack(dir, draft, contents);
    const pack = await readPack(dir);
    assert.equal(pack.files.vaeDecoder.bytes, 500);
    await assert.rejects(stat(join(dir, 'stray.bin')), /ENOENT/);
  });

  it('refuses to write contents the manifest does not name, and leaves no temp folder', async () => {
    const { draft, contents } = fixturePack();
    contents['extra.bin'] = seededBytes(3, 1);
    const dir = join(root, 'never');
    await assert.rejects(
      writePack(dir, draft, contents),
      (e: PackError) => e.code === 'write-failed' && /extra\.bin/.test(e.message),
    );
    await assert.rejects(stat(dir), /ENOENT/);
  });

  it('refuses a missing file, naming it', async () => {
    const dir = await freshPack();
    await rm(join(dir, 'vae-encoder.onnx'));
    await refused(dir, 'file-missing', join(dir, 'vae-encoder.onnx'));
  });

  it('refuses a truncated external data file, naming it', async () => {
    const dir = await freshPack();
    await truncate(join(dir, 'transformer.onnx.data'), 1000);
    const err = await refused(dir, 'file-truncated', join(dir, 'transformer.onnx.data'));
    assert.match(err.message, /1000 bytes.*1031/);
  });

  it('refuses a flipped byte by its hash, naming the file', async () => {
    const dir = await freshPack();
    await readPack(dir); // warm the verified-hash cache: a later change must still be caught
    const file = join(dir, 'tokenizer/spiece.model');
    const bytes = await readFile(file);
    bytes[40] ^= 0x10;
    await writeFile(file, bytes);
    await refused(dir, 'hash-mismatch', file);
  });

  it('re-opens an unchanged pack from memory, and checks it again once a file is gone', async () => {
    const dir = await freshPack();
    await readPack(dir);
    const [a, b] = [await readPack(dir), await readPack(dir)];
    assert.equal(a, b, 'the same verified pack, not a second verification');
    const file = join(dir, 'layer-embedder.safetensors');
    await rm(file);
    await refused(dir, 'file-missing', file);
  });

  it('reuses verified hashes for unchanged files, and catches a rewrite whose mtime was put back', async () => {
    const dir = await freshPack();
    const file = join(dir, 'layer-embedder.safetensors');
    const first = await readPack(dir, { rehash: true });
    assert.ok(first.verified.every((f) => f.how === 'hashed'));
    const again = await readPack(dir, {});
    // from memory within the process; a cold open in another process reads the cache file:
    const cache = JSON.parse(await readFile(join(dir, HASH_CACHE_FILE), 'utf8'));
    assert.equal(cache.version, 2);
    assert.ok(again.verified.some((f) => f.path === 'layer-embedder.safetensors'));
    const when = 1_700_000_000;
    await utimes(file, when, when);
    const bytes = await readFile(file);
    bytes[0] ^= 0xff;
    await writeFile(file, bytes);
    await utimes(file, when, when);
    // Same size and mtime, but the inode's ctime moved: hashed again and refused.
    await refused(dir, 'hash-mismatch', file);
  });

  it('a forced re-hash reads every file, external data included, and reports progress to the end', async () => {
    const dir = await freshPack();
    const pack = await readPack(dir);
    const progress: number[] = [];
    const forced = await readPack(dir, { rehash: true, onProgress: (done, total) => progress.push(done / total) });
    assert.ok(forced.verified.every((f) => f.how === 'hashed'));
    const ext = pack.manifest.files.transformer?.externalData?.path;
    assert.ok(ext && forced.verified.some((f) => f.path === ext), 'external data is verified');
    assert.equal(progress.at(-1), 1);
  });

  it('reports schema errors with the manifest file and the JSON path', async () => {
    const dir = await freshPack();
    const file = join(dir, 'manifest.json');
    const m = JSON.parse(await readFile(file, 'utf8'));
    m.config.schedule.steps = 'fifty';
    await writeFile(file, JSON.stringify(m));
    const err = await refused(dir, 'manifest-schema', file);
    assert.deepEqual(err.path, ['config', 'schedule', 'steps']);
    assert.match(err.message, /config\.schedule\.steps/);
  });

  it('reports file roles, missing roles and task conditions by path', async () => {
    const dir = await freshPack();
    const file = join(dir, 'manifest.json');
    const m = JSON.parse(await readFile(file, 'utf8'));
    m.files['transformer.sideways'] = m.files.transformer;
    delete m.files.tokenizer;
    delete m.config.condition['fg-to-bg'];
    await writeFile(file, JSON.stringify(m));
    const err = await refused(dir, 'manifest-schema', file);
    assert.match(err.message, /files\["transformer\.sideways"\]: unknown file role/);
    assert.match(err.message, /needs a tokenizer file/);
    assert.match(err.message, /config\.condition\["fg-to-bg"\]: no condition entry/);
  });

  it('reports invalid JSON and a missing manifest', async () => {
    const dir = await freshPack();
    const file = join(dir, 'manifest.json');
    await writeFile(file, '{"format": "layerflow-pack",');
    await refused(dir, 'manifest-json', file);
    await rm(file);
    await refused(dir, 'manifest-missing', file);
  });

  it('refuses a transformer whose inputs do not match the config', async () => {
    const dir = await freshPack(5);
    const err = await refused(dir, 'onnx-inputs', join(dir, 'transformer.onnx'));
    assert.match(err.message, /x dim 2 is 5, the config implies 4/);
  });

  it('reads graph inputs from the ONNX header', async () => {
    const dir = await freshPack();
    const inputs = await readGraphInputs(join(dir, 'transformer.onnx'));
    assert.deepEqual(
      inputs.map((i) => [i.name, i.dtype, i.dims]),
      [
        ['x', 'float32', ['batch', 'frames', 4, 4, 6]],
        ['cond_input', 'float32', ['batch', 'cond_frames', 4, 4, 6]],
        ['context', 'float32', ['batch', 21, 16]],
        ['timesteps', 'float32', ['batch']],
      ],
    );
  });
});

describe('transformer input check', () => {
  const config = fixturePack().draft.config;
  const input = (name: string, dims: (number | string)[]) => ({ name, dtype: 'float32', dims });
  const base = [input('timesteps', ['b']), input('motion_scale', [1]), input('content_scale', [1])];

  it('accepts the frame split and text length each task implies', () => {
    // RGBA, 2 latent frames per layer: bg-to-fg sees 1 + 8 frames, 2 of them the given background.
    const ok = [
      ...base,
      input('x', ['b', 7, 4, 4, 6]),
      input('cond_input', ['b', 2, 4, 4, 6]),
      input('context', ['b', 21, 16]),
    ];
    assert.deepEqual(transformerInputIssues(ok, config, 'bg-to-fg'), []);
  });

  it('names each mismatch', () => {
    const generate = [...base, input('x', ['b', 8, 4, 4, 6]), input('context', ['b', 21, 16])];
    assert.deepEqual(transformerInputIssues(generate, config, 'generate'), []);
    const decompose = transformerInputIssues(generate, config, 'decompose');
    assert.deepEqual(decompose, [
      'context dim 1 is 21, the config implies 14',
      'task decompose splices a condition but the graph has no cond_input',
      'x dim 1 is 8, the config implies 6',
    ]);
    const noText = transformerInputIssues([input('x', ['b', 8, 4, 4, 6])], config, 'generate');
    assert.deepEqual(noText, ['no input timesteps', 'no input context']);
  });
});

describe('reference task conditions', () => {
  it('match the released RGBA models at 4 latent frames per layer', () => {
    const c = referenceConditions('rgba', 4);
    assert.deepEqual(c.decompose.frames, [12, 16]);
    assert.deepEqual(c.decompose.prompts, ['foreground', 'background']);
    assert.deepEqual(
      [c['fg-to-bg'].frames, c['fg-to-bg'].taskIdx, c['fg-to-bg'].duplicateFirstFrame],
      [[0, 9], 1, true],
    );
    assert.deepEqual([c['bg-to-fg'].frames, c['bg-to-fg'].taskIdx], [[9, 13], 2]);
    assert.equal(c.generate.mode, 'none');
    assert.equal(c.generate.duplicateFirstFrame, false);
  });

  it('match the released RGB models at 4 latent frames per layer', () => {
    const c = referenceConditions('rgb', 4);
    assert.deepEqual(c.decompose.frames, [10, 12]);
    assert.deepEqual(c['fg-to-bg'].frames, [0, 4]);
    assert.deepEqual(c['bg-to-fg'].frames, [4, 8]);
    assert.ok(Object.values(c).every((t) => !t.duplicateFirstFrame));
  });
});
