import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { DitConfig } from '../dit/config.ts';
import { ditWeightShapes } from '../dit/weights.ts';
import { hashString, mulberry32 } from '../random.ts';
import {
  OrderedDictToWrite,
  type PickleValue,
  type StorageToWrite,
  TensorToWrite,
  writeTorchFile,
} from '../torch/write.ts';
import { numel } from '../weights/source.ts';
import { DIT_PREFIX } from './dit-checkpoint.ts';

const CHUNK = 1 << 20;

/**
 * Writes a DiT checkpoint in the released layout (`<folder>/latest`, `<folder>/1000/mp_rank_00_model_states.pt`,
 * the `module` state dict under `model.diffusion_model.`, bfloat16) with small random values, for the
 * import bench: at the released config it has the real shapes (≈2 B parameters, ≈4 GB, zip64). As DeepSpeed
 * saves them, the LoRA matrices share one flat storage, and only every 6th layer's content LoRA D is non-zero.
 * Values are produced a chunk at a time; returns the file and its size in bytes.
 */
export async function writeSyntheticDitCheckpoint(
  folder: string,
  config: DitConfig,
  seed = 1,
): Promise<{ file: string; bytes: number }> {
  const shapes = [...ditWeightShapes(config)];
  const isLora = (name: string) => /\.matrix_[ABCD]\.\d+$/.test(name);
  const flatSize = shapes.filter(([n]) => isLora(n)).reduce((sum, [, s]) => sum + numel(s), 0);
  const storages: StorageToWrite[] = [];
  const flat: { name: string; shape: number[] }[] = [];
  const entries: [string, TensorToWrite][] = [];
  let offset = 0;
  const flatStorage = bf16Storage(
    '0',
    flatSize,
    () => flat.map((t) => ({ name: t.name, count: numel(t.shape) })),
    seed,
  );
  if (flatSize) storages.push(flatStorage);
  for (const [name, shape] of shapes) {
    if (isLora(name)) {
      flat.push({ name, shape });
      entries.push([DIT_PREFIX + name, new TensorToWrite(flatStorage, shape, undefined, offset)]);
      offset += numel(shape);
      continue;
    }
    const storage = bf16Storage(String(storages.length), numel(shape), () => [{ name, count: numel(shape) }], seed);
    storages.push(storage);
    entries.push([DIT_PREFIX + name, new TensorToWrite(storage, shape)]);
  }
  const file = path.join(folder, '1000', 'mp_rank_00_model_states.pt');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(path.join(folder, 'latest'), '1000');
  const root = new Map<string, PickleValue>([
    ['module', new OrderedDictToWrite(entries)],
    ['iteration', 1000],
  ]);
  await writeTorchFile(file, root, storages, { prefix: 'mp_rank_00_model_states' });
  return { file, bytes: statSync(file).size };
}

/** A bfloat16 storage holding the named tensors back to back, each drawn from its own seed. */
function bf16Storage(
  key: string,
  numel: number,
  parts: () => { name: string; count: number }[],
  seed: number,
): StorageToWrite {
  return { key, dtype: 'bfloat16', numel, chunks: () => bf16Chunks(parts(), seed) };
}

function* bf16Chunks(parts: { name: string; count: number }[], seed: number): Generator<Uint8Array> {
  const f32 = new Float32Array(1);
  const bits = new Uint32Array(f32.buffer);
  for (const { name, count } of parts) {
    const layer = /layers\.(\d+)\./.exec(name);
    // Untrained layers keep the content LoRA's D at its zero init (reference: every 6th layer is trained).
    const zero = /\.matrix_D\./.test(name) && layer && Number(layer[1]) % 6 !== 5;
    const next = mulberry32(seed ^ hashString(name));
    const scale = 0.04;
    for (let done = 0; done < count; done += CHUNK) {
      const out = new Uint16Array(Math.min(CHUNK, count - done));
      if (!zero) {
        for (let i = 0; i < out.length; i++) {
          f32[0] = scale * (next() - 0.5);
          out[i] = bits[0] >>> 16;
        }
      }
      yield new Uint8Array(out.buffer);
    }
  }
}
