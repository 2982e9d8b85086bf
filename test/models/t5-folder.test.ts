import assert from 'node:assert/strict';
import {
  closeSync,
  cpSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { openT5Folder } from '../../models/import/t5-folder.ts';
import { f32Tensor, readSafetensors, type StTensor, serializeSafetensors } from '../../models/safetensors.ts';
import { WeightFileError, type WeightFileErrorCode } from '../../models/weights/file-error.ts';
import { openSafetensors } from '../../models/weights/safetensors-source.ts';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const goldenRoot = process.env.LAYERFLOW_GOLDEN_DIR ?? path.resolve(repoRoot, '..', 'shared', 'golden');
const GOLDEN = path.join(goldenRoot, 't5', 'tiny-d32');
const SHARD1 = 'model-00001-of-00002.safetensors';
const SHARD2 = 'model-00002-of-00002.safetensors';
const INDEX = 'model.safetensors.index.json';
const WI0 = 'encoder.block.1.layer.1.DenseReluDense.wi_0.weight';

const scratch = mkdtempSync(path.join(tmpdir(), 't5-folder-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let copies = 0;

/** A writable copy of the golden T5 folder. */
function copy(): string {
  const dir = path.join(scratch, `t5-${copies++}`);
  cpSync(GOLDEN, dir, { recursive: true });
  return dir;
}

function editJson(dir: string, name: string, edit: (json: Record<string, unknown>) => void): void {
  const file = path.join(dir, name);
  const json = JSON.parse(readFileSync(file, 'utf8'));
  edit(json);
  writeFileSync(file, JSON.stringify(json));
}

function weightMap(dir: string, edit: (map: Record<string, string>) => void): void {
  editJson(dir, INDEX, (j) => edit(j.weight_map as Record<string, string>));
}

function rewriteShard(dir: string, name: string, edit: (tensors: Map<string, StTensor>) => void): void {
  const tensors = readSafetensors(path.join(dir, name));
  edit(tensors);
  writeFileSync(path.join(dir, name), serializeSafetensors(tensors, { format: 'pt' }));
}

/** openT5Folder(dir) fails with `code`, naming `file` (a basename) and, when given, `key`. */
function refuses(dir: string, code: WeightFileErrorCode, file: string, key?: string): WeightFileError {
  let error: unknown;
  try {
    openT5Folder(dir);
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof WeightFileError, `expected a WeightFileError, got ${error}`);
  assert.equal(error.code, code, error.message);
  assert.equal(path.basename(error.file), file, error.message);
  assert.ok(error.message.includes(file), error.message);
  if (key) {
    assert.equal(error.key, key, error.message);
    assert.ok(error.message.includes(key), error.message);
  }
  return error;
}

describe('T5 folder import (models/import/t5-folder.ts)', () => {
  it('reads shards lazily: nothing but headers until a tensor is used, then its dtype from the header', () => {
    const f = openT5Folder(GOLDEN);
    const wo = f.weights.get('encoder.block.0.layer.1.DenseReluDense.wo.weight');
    assert.deepEqual([wo?.dtype, wo?.shape, path.basename(wo?.file ?? '')], ['float16', [32, 64], SHARD2]);
    assert.deepEqual(f.dtypes, ['float16']);
    const values = wo?.toFloat32() as Float32Array;
    assert.equal(values.length, 32 * 64);
    assert.ok(values.some((v) => v !== 0) && values.every(Number.isFinite));
  });

  it('names the index and the shard when a shard is missing', () => {
    const dir = copy();
    unlinkSync(path.join(dir, SHARD2));
    const e = refuses(dir, 'missing-file', SHARD2);
    assert.ok(e.message.includes(INDEX));
  });

  it('names the shard and key when the weight map puts a key in a shard that lacks it', () => {
    const dir = copy();
    weightMap(dir, (m) => {
      m[WI0] = SHARD1;
    });
    refuses(dir, 'missing-key', SHARD1, WI0);
  });

  it('lists encoder weights the folder lacks', () => {
    const dir = copy();
    weightMap(dir, (m) => {
      delete m[WI0];
    });
    const e = refuses(dir, 'missing-key', INDEX, WI0);
    assert.ok(e.message.includes(`${WI0} [64, 32]`), e.message);
  });

  it('names file and key on a shape that config.json does not imply', () => {
    const dir = copy();
    editJson(dir, 'config.json', (c) => {
      c.d_ff = 48;
    });
    const e = refuses(dir, 'shape-mismatch', SHARD2, 'encoder.block.0.layer.1.DenseReluDense.wi_0.weight');
    assert.ok(e.message.includes('[64, 32]') && e.message.includes('[48, 32]'), e.message);
  });

  it('names file and key on an element type other than F32, F16, BF16', () => {
    const dir = copy();
    rewriteShard(dir, SHARD2, (t) => {
      t.set(WI0, { dtype: 'I32', shape: [64, 32], bytes: new Uint8Array(64 * 32 * 4) });
    });
    const e = refuses(dir, 'unknown-dtype', SHARD2, WI0);
    assert.ok(e.message.includes('I32'), e.message);
  });

  it('names file and key when a shard is truncated', () => {
    const dir = copy();
    const file = path.join(dir, SHARD2);
    truncateSync(file, readFileSync(file).byteLength - 10);
    refuses(dir, 'truncated', SHARD2, 'encoder.final_layer_norm.weight');
  });

  it('refuses encoder keys T5 v1.1 has no place for, ignores a whole T5’s decoder', () => {
    const dir = copy();
    const extra = 'encoder.block.1.layer.0.SelfAttention.relative_attention_bias.weight';
    rewriteShard(dir, SHARD2, (t) => {
      t.set(extra, f32Tensor(new Float32Array(32 * 4), [32, 4]));
    });
    weightMap(dir, (m) => {
      m[extra] = SHARD2;
    });
    refuses(dir, 'unexpected-key', SHARD2, extra);

    const whole = copy();
    const decoder = 'decoder.block.0.layer.0.SelfAttention.q.weight';
    rewriteShard(whole, SHARD2, (t) => {
      t.set(decoder, f32Tensor(new Float32Array(32 * 32), [32, 32]));
    });
    weightMap(whole, (m) => {
      m[decoder] = SHARD2;
    });
    assert.deepEqual(openT5Folder(whole).ignoredKeys, [decoder]);
  });

  it('takes encoder.embed_tokens.weight for shared.weight, and one model.safetensors without an index', () => {
    const dir = copy();
    const tensors = new Map([...readSafetensors(path.join(dir, SHARD1)), ...readSafetensors(path.join(dir, SHARD2))]);
    tensors.set('encoder.embed_tokens.weight', tensors.get('shared.weight') as StTensor);
    tensors.delete('shared.weight');
    writeFileSync(path.join(dir, 'model.safetensors'), serializeSafetensors(tensors));
    for (const f of [INDEX, SHARD1, SHARD2]) unlinkSync(path.join(dir, f));
    const f = openT5Folder(dir);
    assert.equal(f.weights.get('shared.weight')?.key, 'encoder.embed_tokens.weight');
    assert.deepEqual(
      f.weights.get('shared.weight')?.toFloat32(),
      openT5Folder(GOLDEN).weights.get('shared.weight')?.toFloat32(),
    );
  });

  it('names config.json and the field when the config is not a T5 v1.1 encoder', () => {
    const dir = copy();
    editJson(dir, 'config.json', (c) => {
      c.feed_forward_proj = 'relu';
    });
    const e = refuses(dir, 'bad-config', 'config.json');
    assert.equal(e.key, 'feed_forward_proj');
  });

  it('refuses an embedding with fewer rows than the tokenizer has ids', () => {
    const dir = copy();
    editJson(dir, 'config.json', (c) => {
      c.vocab_size = 1099;
    });
    rewriteShard(dir, SHARD1, (t) => {
      const s = t.get('shared.weight') as StTensor;
      t.set('shared.weight', { ...s, shape: [1099, 32], bytes: s.bytes.subarray(0, 1099 * 32 * 2) });
    });
    const e = refuses(dir, 'bad-config', 'config.json', 'vocab_size');
    assert.ok(e.message.includes('1100'), e.message);
  });

  it('refuses tokenizer settings the pack’s tokenizer would not reproduce', () => {
    const dir = copy();
    editJson(dir, 'tokenizer_config.json', (c) => {
      c.legacy = false;
    });
    refuses(dir, 'unsupported-tokenizer', 'tokenizer_config.json', 'legacy');
    const strip = copy();
    editJson(strip, 'tokenizer_config.json', (c) => {
      (c.added_tokens_decoder as Record<string, { lstrip: boolean }>)['1099'].lstrip = false;
    });
    refuses(strip, 'unsupported-tokenizer', 'tokenizer_config.json', 'added_tokens_decoder.1099');
    const noModel = copy();
    unlinkSync(path.join(noModel, 'spiece.model'));
    refuses(noModel, 'missing-file', 'spiece.model');
  });
});

describe('lazy safetensors (models/weights/safetensors-source.ts)', () => {
  it('reads one tensor placed past 4 GiB of a sparse file without reading the rest', () => {
    const file = path.join(scratch, 'sparse.safetensors');
    const gap = 4.5 * 1024 ** 3;
    const header = JSON.stringify({
      big: { dtype: 'BF16', shape: [gap / 2], data_offsets: [0, gap] },
      small: { dtype: 'F32', shape: [2, 2], data_offsets: [gap, gap + 16] },
    });
    const head = Buffer.alloc(8 + header.length);
    head.writeBigUInt64LE(BigInt(header.length), 0);
    head.write(header, 8);
    const values = Float32Array.of(1.5, -2, 3.25, 65504);
    const fd = openSync(file, 'w');
    try {
      writeSync(fd, head, 0, head.length, 0);
      writeSync(fd, new Uint8Array(values.buffer), 0, 16, head.length + gap);
    } finally {
      closeSync(fd);
    }
    const tensors = openSafetensors(file);
    assert.deepEqual(tensors.get('big')?.shape, [gap / 2]);
    assert.deepEqual(tensors.get('small')?.toFloat32(), values);
  });
});
