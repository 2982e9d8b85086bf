import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { openDitCheckpoint } from '../../models/import/dit-checkpoint.ts';
import { TorchFileError } from '../../models/torch/errors.ts';
import { loadTorchFile, stateDictSources, topLevelDict } from '../../models/torch/load.ts';
import { PyDict, PyInstance } from '../../models/torch/pickle.ts';
import {
  CallToWrite,
  OrderedDictToWrite,
  type PickleValue,
  type StorageToWrite,
  TensorToWrite,
  writeTorchFile,
} from '../../models/torch/write.ts';
import { f32Storage, goldenRoot } from './checkpoint-fixture.ts';

const scratch = mkdtempSync(path.join(tmpdir(), 'lf-torch-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let n = 0;
const tempFile = () => path.join(scratch, `file-${n++}.pt`);

/** A state dict file `{'state_dict': OrderedDict(tensors)}`. */
async function writeStateDict(tensors: Record<string, TensorToWrite>, storages: StorageToWrite[], forceZip64 = false) {
  const file = tempFile();
  const root = new Map<string, PickleValue>([['state_dict', new OrderedDictToWrite(Object.entries(tensors))]]);
  await writeTorchFile(file, root, storages, { prefix: 'archive', forceZip64 });
  return file;
}

async function readStateDict(file: string): Promise<Record<string, number[]>> {
  const tf = await loadTorchFile(file);
  const sources = stateDictSources(tf, topLevelDict(tf, 'state_dict'));
  return Object.fromEntries([...sources].map(([k, s]) => [k, Array.from(s.toFloat32())]));
}

const halves = (bits: number[], dtype: 'bfloat16' | 'float16'): StorageToWrite => ({
  key: dtype,
  dtype,
  numel: bits.length,
  chunks: () => [new Uint8Array(Uint16Array.from(bits).buffer)],
});

test('torch reader: strided views share one storage (offsets, transposes, broadcast strides)', async () => {
  // 3×4 row-major values 0..11 in one flat storage, as DeepSpeed keeps trainable tensors.
  const flat = f32Storage(
    '0',
    Float32Array.from({ length: 14 }, (_, i) => i),
  );
  const file = await writeStateDict(
    {
      matrix: new TensorToWrite(flat, [3, 4]),
      transposed: new TensorToWrite(flat, [4, 3], [1, 4]),
      tail: new TensorToWrite(flat, [2], [1], 12),
      column: new TensorToWrite(flat, [3], [4], 1),
      repeated: new TensorToWrite(flat, [2, 3], [0, 1], 5),
    },
    [flat],
  );
  assert.deepEqual(await readStateDict(file), {
    matrix: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
    transposed: [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11],
    tail: [12, 13],
    column: [1, 5, 9],
    repeated: [5, 6, 7, 5, 6, 7],
  });
});

test('torch reader: bfloat16 widens by a 16-bit shift, float16 exactly (subnormals, inf)', async () => {
  const bf = halves([0x3f80, 0x4049, 0xc2f7, 0x0001, 0x7f80], 'bfloat16');
  const fp = halves([0x3c00, 0xc000, 0x0001, 0x7bff, 0xfc00], 'float16');
  const file = await writeStateDict({ bf: new TensorToWrite(bf, [5]), fp: new TensorToWrite(fp, [5]) }, [bf, fp]);
  const got = await readStateDict(file);
  assert.deepEqual(got.bf, [1, 3.140625, -123.5, 2 ** -133 * 1.0, Number.POSITIVE_INFINITY].map(Math.fround));
  assert.deepEqual(got.fp, [1, -2, 2 ** -24, 65504, Number.NEGATIVE_INFINITY]);
});

test('torch reader: a bfloat16 tensor bigger than one read chunk, at an odd storage offset', async () => {
  const count = 4_200_001; // more than 2^21 elements, so it is read and widened in several passes
  const bits = Uint16Array.from({ length: count + 3 }, (_, i) => 0x3c00 + ((i * 7919) % 0x0800));
  const s: StorageToWrite = {
    key: '0',
    dtype: 'bfloat16',
    numel: bits.length,
    chunks: () => [new Uint8Array(bits.buffer)],
  };
  const file = await writeStateDict({ big: new TensorToWrite(s, [count], [1], 3) }, [s]);
  const tf = await loadTorchFile(file);
  const got = stateDictSources(tf, topLevelDict(tf, 'state_dict')).get('big')?.toFloat32();
  assert.ok(got && got.length === count);
  const f = new DataView(new ArrayBuffer(4));
  const want = (i: number) => {
    f.setUint32(0, bits[i + 3] << 16);
    return f.getFloat32(0);
  };
  for (const i of [0, 1, 2 ** 21 - 1, 2 ** 21, 2 ** 21 + 1, 2 ** 22, count - 1])
    assert.equal(got[i], want(i), `element ${i}`);
  assert.ok(
    got.every((v, i) => v === want(i)),
    'every element',
  );
});

test('torch reader: a zip64 archive (zip64 end record, locator and extra fields) reads the same', async () => {
  const data = Float32Array.from({ length: 30 }, (_, i) => Math.sin(i));
  const s = f32Storage('7', data);
  const file = await writeStateDict({ w: new TensorToWrite(s, [5, 6]) }, [s], true);
  const bytes = readFileSync(file);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const eocd = bytes.length - 22;
  assert.equal(view.getUint32(eocd, true), 0x06054b50, 'end of central directory');
  // Every classic field is saturated: a reader that skipped the zip64 records could not find anything.
  assert.equal(view.getUint16(eocd + 10, true), 0xffff, 'entry count deferred to zip64');
  assert.equal(view.getUint32(eocd + 16, true), 0xffffffff, 'directory offset deferred to zip64');
  assert.equal(view.getUint32(eocd - 20, true), 0x07064b50, 'zip64 end of central directory locator');
  assert.deepEqual(await readStateDict(file), { w: Array.from(data) });
});

test('torch reader: every golden torch file parses, its non-tensor state included', async () => {
  const files = ptFiles(goldenRoot);
  assert.ok(files.length >= 14, `golden .pt files under ${goldenRoot}`);
  for (const file of files) {
    const tf = await loadTorchFile(file);
    assert.ok(tf.root instanceof PyDict, file);
    if (!tf.root.has('module')) {
      assert.ok(topLevelDict(tf, 'state_dict').attributes.has('_metadata'), file);
      continue;
    }
    assert.ok(topLevelDict(tf, 'module').attributes.has('_metadata'), `${file}: OrderedDict BUILD`);
    assert.equal(tf.root.get('iteration'), 1000);
    assert.ok(tf.root.get('sparse_tensor_module_names') instanceof Set);
    // Python's Mersenne Twister state: (3, 624 words + position, None), the words 32-bit unsigned (LONG1).
    const [version, words] = tf.root.get('random_rng_state') as [number, number[]];
    assert.equal(version, 3);
    assert.equal(words.length, 625);
    assert.ok(
      words.every((w) => Number.isInteger(w) && w >= 0 && w < 2 ** 32),
      `${file}: rng words`,
    );
    assert.ok(
      words.some((w) => w >= 2 ** 31),
      `${file}: words past 2^31 stay positive`,
    );
    const [name, keys] = tf.root.get('np_rng_state') as [string, PyInstance];
    assert.equal(name, 'MT19937');
    const [, shape, , , raw] = keys.state as [number, number[], unknown, boolean, Uint8Array];
    assert.deepEqual(shape, [624]);
    assert.equal(raw.length, 624 * 4, `${file}: numpy uint32 array bytes`);
  }
});

test('torch reader refusal: an unknown global is named with the file and never run', async () => {
  const file = tempFile();
  const root = new Map<string, PickleValue>([['module', new CallToWrite('os', 'system', ['touch pwned'])]]);
  await writeTorchFile(file, root, [], { prefix: 'archive' });
  await assert.rejects(loadTorchFile(file), (err: unknown) => {
    assert.ok(err instanceof TorchFileError && err.code === 'unknown-global', String(err));
    assert.equal(err.where, 'os.system');
    assert.ok(err.message.startsWith(`${file}: refuses the pickle global os.system`), err.message);
    return true;
  });
  // The same refusal through the DiT importer, from a folder laid out as released.
  const folder = path.join(scratch, 'multi-layer-generation-rgba');
  mkdirSync(path.join(folder, '1000'), { recursive: true });
  writeFileSync(path.join(folder, 'latest'), '1000');
  await writeTorchFile(path.join(folder, '1000', 'mp_rank_00_model_states.pt'), root, [], { prefix: 'x' });
  await assert.rejects(openDitCheckpoint(folder), /mp_rank_00_model_states\.pt: refuses the pickle global os\.system/);
});

test('torch reader refusal: an opcode outside protocol 2 is named with its byte', async () => {
  const file = tempFile();
  // SHORT_BINUNICODE (protocol 4) 'a', then STOP.
  await writeTorchFile(file, Uint8Array.from([0x80, 2, 0x8c, 1, 0x61, 0x2e]), [], { prefix: 'archive' });
  await assert.rejects(loadTorchFile(file), (err: unknown) => {
    assert.ok(err instanceof TorchFileError && err.code === 'bad-opcode', String(err));
    assert.match(err.message, new RegExp(`^${escape(file)}: unsupported pickle opcode 0x8c at byte 2`));
    return true;
  });
});

test('torch reader refusal: a truncated copy of a golden checkpoint is named', async () => {
  const golden = ptFiles(path.join(goldenRoot, 'checkpoint'))[0];
  assert.ok(golden, 'a golden checkpoint');
  const bytes = readFileSync(golden);
  for (const keep of [bytes.length - 10, Math.floor(bytes.length / 2), 100]) {
    const file = tempFile();
    writeFileSync(file, bytes.subarray(0, keep));
    await assert.rejects(loadTorchFile(file), (err: unknown) => {
      assert.ok(err instanceof TorchFileError && err.code === 'truncated', String(err));
      assert.ok(err.message.startsWith(`${file}: the zip archive is truncated`), err.message);
      return true;
    });
  }
});

test('torch reader refusal: a storage record that is missing or too short is named', async () => {
  const data = Float32Array.from([1, 2, 3, 4]);
  const present = f32Storage('0', data);
  const absent = f32Storage('5', data);
  const missing = await writeStateDict({ w: new TensorToWrite(absent, [4]) }, [present]);
  await assert.rejects(loadTorchFile(missing), (err: unknown) => {
    assert.ok(err instanceof TorchFileError && err.code === 'missing-record' && err.where === 'data/5', String(err));
    assert.ok(err.message.startsWith(`${missing}: record archive/data/5`), err.message);
    return true;
  });
  const short = { ...present, numel: 8 };
  const truncated = await writeStateDict({ w: new TensorToWrite(short, [8]) }, [present]);
  await assert.rejects(loadTorchFile(truncated), { code: 'truncated', where: 'data/0' });
});

test('torch reader refusal: a view past its storage or a non-float tensor is named by key', async () => {
  const s = f32Storage('0', Float32Array.from([1, 2, 3, 4]));
  const file = await writeStateDict({ ok: new TensorToWrite(s, [4]), bad: new TensorToWrite(s, [2, 2], [2, 1], 1) }, [
    s,
  ]);
  const tf = await loadTorchFile(file);
  assert.throws(
    () => stateDictSources(tf, topLevelDict(tf, 'state_dict')),
    (err: unknown) => {
      assert.ok(err instanceof TorchFileError && err.code === 'bad-tensor' && err.where === 'bad', String(err));
      assert.match(err.message, /: tensor bad: its view .* reaches past its storage of 4 elements/);
      return true;
    },
  );
  const bytes: StorageToWrite = { key: '1', dtype: 'uint8', numel: 3, chunks: () => [Uint8Array.from([1, 2, 3])] };
  const ints = await loadTorchFile(await writeStateDict({ rng: new TensorToWrite(bytes, [3]) }, [bytes]));
  assert.throws(() => stateDictSources(ints, topLevelDict(ints, 'state_dict')), /tensor rng: holds uint8 values/);
});

function ptFiles(root: string): string[] {
  return (readdirSync(root, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.pt'))
    .map((f) => path.join(root, f))
    .sort();
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
