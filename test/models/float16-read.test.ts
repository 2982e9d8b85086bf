import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { GraphBuilder } from '../../models/onnx/graph.ts';
import { serializeSafetensors } from '../../models/safetensors.ts';
import { firstNonFinite, halfScratch, halvesToHalf, toHalf } from '../../models/session/float16.ts';
import { loadTorchFile, stateDictSources, topLevelDict } from '../../models/torch/load.ts';
import { OrderedDictToWrite, type StorageToWrite, TensorToWrite, writeTorchFile } from '../../models/torch/write.ts';
import { openSafetensors } from '../../models/weights/safetensors-source.ts';
import type { TensorSource } from '../../models/weights/source.ts';
import { InitializerTable } from '../../models/weights/table.ts';

const scratch = mkdtempSync(path.join(tmpdir(), 'lf-f16-read-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Every 16-bit pattern once: all bfloat16 (or float16) values, including subnormals, ±inf and NaNs. */
const everyPattern = Uint16Array.from({ length: 65536 }, (_, i) => i);

const storage = (dtype: 'bfloat16' | 'float16'): StorageToWrite => ({
  key: dtype,
  dtype,
  numel: everyPattern.length,
  chunks: () => [new Uint8Array(everyPattern.buffer)],
});

/** NaNs as one pattern: a stored float16 NaN keeps its payload, a converted one gets the quiet NaN. */
const sameNaN = (bits: Uint16Array) => bits.map((h) => ((h & 0x7fff) > 0x7c00 ? 0x7e00 : h));

function assertSameBits(source: TensorSource): void {
  const direct = source.toFloat16?.();
  assert.ok(direct, `${source.key} reads float16 directly`);
  assert.deepEqual(
    sameNaN(direct),
    sameNaN(toHalf(source.toFloat32())),
    `${source.key}: float16 bits as widening then rounding`,
  );
}

test('16-bit torch tensors convert to float16 without widening, bit-exact with the float32 path', async () => {
  const bf = storage('bfloat16');
  const fp = storage('float16');
  const file = path.join(scratch, 'halves.pt');
  const tensors = new OrderedDictToWrite([
    ['bf', new TensorToWrite(bf, [256, 256])],
    ['fp', new TensorToWrite(fp, [65536])],
    ['bf-offset', new TensorToWrite(bf, [3, 5], [5, 1], 12345)],
    ['bf-transposed', new TensorToWrite(bf, [64, 32], [1, 64], 7)],
  ]);
  await writeTorchFile(file, new Map([['state_dict', tensors]]), [bf, fp], { prefix: 'archive' });
  const tf = await loadTorchFile(file);
  const sources = stateDictSources(tf, topLevelDict(tf, 'state_dict'));
  for (const key of ['bf', 'fp', 'bf-offset', 'bf-transposed']) assertSameBits(sources.get(key) as TensorSource);
});

test('16-bit safetensors convert to float16 without widening, bit-exact with the float32 path', () => {
  const file = path.join(scratch, 'halves.safetensors');
  const bytes = new Uint8Array(everyPattern.buffer);
  const tensors = new Map([
    ['bf', { dtype: 'BF16' as const, shape: [65536], bytes }],
    ['fp', { dtype: 'F16' as const, shape: [256, 256], bytes }],
  ]);
  writeFileSync(file, serializeSafetensors(tensors));
  const sources = openSafetensors(file);
  for (const key of ['bf', 'fp']) assertSameBits(sources.get(key) as TensorSource);
});

test('a bfloat16 weight beyond float16 is refused by name when a float16 graph takes it', async () => {
  const bits = Uint16Array.of(0x3f80, 0x47c3); // 1 and 99840: a bfloat16 value float16 cannot hold
  const big: StorageToWrite = { key: 'big', dtype: 'bfloat16', numel: 2, chunks: () => [new Uint8Array(bits.buffer)] };
  const file = path.join(scratch, 'big.pt');
  const dict = new OrderedDictToWrite([['w', new TensorToWrite(big, [2])]]);
  await writeTorchFile(file, new Map([['state_dict', dict]]), [big], { prefix: 'archive' });
  const tf = await loadTorchFile(file);
  const w = stateDictSources(tf, topLevelDict(tf, 'state_dict')).get('w') as TensorSource;
  const g = new GraphBuilder('t');
  const table = new InitializerTable(
    g,
    new Map([['layer.weight', w]]),
    new Map([['layer.weight', [2]]]),
    'float16',
    (code, name, message) => Object.assign(new Error(message), { code, name }),
  );
  table.get('layer.weight');
  assert.throws(
    () => g.serialize(),
    (e: Error & { code?: string }) =>
      e.code === 'weight-range' && /layer\.weight holds 99840, beyond float16's ±65504/.test(e.message),
  );
});

test('the SIMD scratch converts and scans as the table does, at every start and length', () => {
  const plain = halvesToHalf(everyPattern.slice(), 'bfloat16');
  for (const [start, n] of [
    [0, 65536],
    [3, 61],
    [65529, 7],
    [1000, 0],
  ]) {
    const scratch = halfScratch(n);
    scratch.set(everyPattern.subarray(start, start + n));
    const want = plain.subarray(start, start + n);
    assert.deepEqual(halvesToHalf(scratch, 'bfloat16'), want, `bfloat16 [${start}, +${n})`);
    assert.equal(firstNonFinite(scratch), firstNonFinite(want.slice()), `first non-finite of [${start}, +${n})`);
  }
  // One infinity among finite values, in a full step and in the tail.
  for (const at of [8, 13, 20]) {
    const scratch = halfScratch(21);
    scratch.fill(0x3c00);
    scratch[at] = 0xfc00;
    assert.equal(firstNonFinite(scratch), at);
  }
});
