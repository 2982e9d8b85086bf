import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { openT5Folder, type T5Folder } from '../../models/import/t5-folder.ts';
import type { FloatType } from '../../models/onnx/nn.ts';
import { buildT5Encoder, T5ConfigSchema } from '../../models/t5/index.ts';
import { errors } from './dit-run.ts';
import { evalHalf } from './half-eval.ts';

const TOL = 1e-4;
/** float16 products (GPU semantics, evalHalf) against the float32 reference: measured 8.7e-4 on tiny-d32. */
const HALF_TOL = 2e-3;
const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const goldenRoot = process.env.LAYERFLOW_GOLDEN_DIR ?? path.resolve(repoRoot, '..', 'shared', 'golden');
const dir = path.join(goldenRoot, 't5');
const releaseDir = path.join(goldenRoot, 'release-tiny');

interface TokenCase {
  name: string;
  text: string;
  pieces: string[];
  n_pieces: number;
  input_ids: number[];
}
interface EncoderCase {
  name: string;
  text: string;
  input_ids: number[];
  last_hidden_state: number[];
  shape: [number, number];
}
interface T5Golden {
  folder: string;
  files: string[];
  config: Record<string, unknown>;
  token_cases: TokenCase[];
  encoder_cases: EncoderCase[];
}

test('golden t5: folder exists and holds files', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  assert.ok(files.length > 0, `no *.json in ${dir}`);
});

for (const file of safeList(dir)) {
  const golden = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as T5Golden;
  goldenT5(`golden t5 ${file}`, golden, path.join(dir, golden.folder));
}

test('golden t5 release-tiny: release-tiny.json has a t5 part', () => {
  assert.ok(releaseT5(), `no t5 in ${path.join(releaseDir, 'release-tiny.json')}`);
});

const release = releaseT5();
if (release) goldenT5('golden t5 release-tiny', release, path.join(releaseDir, release.folder));

/** Every check of one golden T5 folder: the import, every token case, every encoder case. */
function goldenT5(name: string, golden: T5Golden, folder: string): void {
  let opened: T5Folder | undefined;
  const t5 = () => {
    opened ??= openT5Folder(folder);
    return opened;
  };

  test(`${name}: the folder import reads config.json, every listed file and the encoder weights`, () => {
    const f = t5();
    assert.deepEqual(f.config, T5ConfigSchema.parse(golden.config));
    assert.deepEqual(f.files.map((p) => path.basename(p)).sort(), [...golden.files].sort());
    assert.equal(f.weights.get('shared.weight')?.shape[0], golden.config.vocab_size);
    assert.deepEqual(f.ignoredKeys, []);
  });

  test(`${name}: token ids exactly as the slow T5Tokenizer, for every token case`, () => {
    const { tokenizer } = t5();
    for (const c of golden.token_cases) {
      assert.deepEqual(tokenizer.pieces(c.text), c.pieces, `${c.name}: pieces`);
      assert.equal(tokenizer.pieceIds(c.text).length, c.n_pieces, `${c.name}: n_pieces`);
      assert.deepEqual([...tokenizer.encode([c.text]).ids].map(Number), c.input_ids, `${c.name}: input_ids`);
    }
  });

  for (const c of golden.encoder_cases) {
    // ONNX Runtime's CPU provider runs the float16 graph's products in float32 (with the float16 weights).
    for (const dtype of ['float32', 'float16'] as const) {
      test(`${name} ${c.name}: ${dtype} encoder on ONNX Runtime ≤ ${TOL} of max |ref|`, async () => {
        const out = await encode(t5(), c, dtype);
        const { maxRel } = errors(out, c.last_hidden_state);
        console.log(`${name} ${c.name} ${dtype}: max rel ${maxRel.toExponential(2)}`);
        assert.ok(maxRel <= TOL, `max |out − ref| / max |ref| = ${maxRel.toExponential(2)} > ${TOL}`);
      });
    }
  }

  test(`${name}: float16 encoder, run with float16 rounding, ≤ ${HALF_TOL} of max |ref|`, () => {
    const f = t5();
    const c = golden.encoder_cases[0];
    const model = buildT5Encoder(f.config, f.weights, { dtype: 'float16' }).serialize().model;
    const ids = f.tokenizer.encode([c.text]).ids;
    const feeds = {
      input_ids: { type: 'int64' as const, dims: [1, ids.length], data: Float64Array.from(ids, Number) },
    };
    const out = evalHalf(model, feeds).last_hidden_state.data;
    const { maxRel } = errors(Float32Array.from(out), c.last_hidden_state);
    console.log(`${name} ${c.name} float16 (GPU rounding): max rel ${maxRel.toExponential(2)}`);
    assert.ok(maxRel <= HALF_TOL, `max |out − ref| / max |ref| = ${maxRel.toExponential(2)} > ${HALF_TOL}`);
  });
}

/** The encoder through ONNX Runtime on the case's tokens (checked against the case's input_ids first). */
async function encode(f: T5Folder, c: EncoderCase, dtype: FloatType): Promise<Float32Array> {
  const { ids, dims } = f.tokenizer.encode([c.text]);
  assert.deepEqual([...ids].map(Number), c.input_ids, `${c.name}: input_ids`);
  const model = buildT5Encoder(f.config, f.weights, { dtype }).serialize().model;
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 2 });
  try {
    const out = await session.run({ input_ids: new ort.Tensor('int64', ids, dims) });
    assert.deepEqual(out.last_hidden_state.dims, [1, ...c.shape]);
    return out.last_hidden_state.data as Float32Array;
  } finally {
    await session.release();
  }
}

function releaseT5(): T5Golden | undefined {
  try {
    return JSON.parse(readFileSync(path.join(releaseDir, 'release-tiny.json'), 'utf8')).t5;
  } catch {
    return undefined;
  }
}

/** The golden files, or none when the folder is missing (the first test then fails naming it). */
function safeList(folder: string): string[] {
  try {
    return readdirSync(folder).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
}
