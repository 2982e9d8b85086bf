import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadTorchFile, stateDictSources, topLevelDict } from '../../models/torch/load.ts';
import {
  OrderedDictToWrite,
  type PickleValue,
  type StorageToWrite,
  TensorToWrite,
  writeTorchFile,
} from '../../models/torch/write.ts';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
export const goldenRoot = process.env.LAYERFLOW_GOLDEN_DIR ?? path.resolve(repoRoot, '..', 'shared', 'golden');

/** The `*.json` files of a golden folder, or none when it is missing (a test then fails naming it). */
export function goldenFiles(dir: string): string[] {
  try {
    return readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
}

/** One state-dict entry, read into memory (tiny golden files only). */
export interface Entry {
  key: string;
  shape: number[];
  data: Float32Array;
}

/** A float32 storage holding `data`. */
export function f32Storage(key: string, data: Float32Array): StorageToWrite {
  return {
    key,
    dtype: 'float32',
    numel: data.length,
    chunks: () => [new Uint8Array(data.buffer, data.byteOffset, data.byteLength)],
  };
}

/**
 * Rewrites a released-layout DiT folder into `dst` (same folder name, `latest`, iteration) with its
 * `module` entries passed through `edit`, stored as float32: a golden checkpoint with one defect.
 */
export async function rewriteCheckpoint(
  src: string,
  dst: string,
  edit: (entries: Entry[]) => Entry[],
): Promise<string> {
  const iteration = readFileSync(path.join(src, 'latest'), 'utf8').trim();
  const tf = await loadTorchFile(path.join(src, iteration, 'mp_rank_00_model_states.pt'));
  const entries = [...stateDictSources(tf, topLevelDict(tf, 'module'))].map(([key, t]) => ({
    key,
    shape: [...t.shape],
    data: t.toFloat32(),
  }));
  const storages = edit(entries).map((e, i) => ({ entry: e, storage: f32Storage(String(i), e.data) }));
  const module = new OrderedDictToWrite(
    storages.map(({ entry, storage }) => [entry.key, new TensorToWrite(storage, entry.shape)]),
  );
  const folder = path.join(dst, path.basename(src));
  mkdirSync(path.join(folder, iteration), { recursive: true });
  writeFileSync(path.join(folder, 'latest'), iteration);
  await writeTorchFile(
    path.join(folder, iteration, 'mp_rank_00_model_states.pt'),
    new Map<string, PickleValue>([
      ['module', module],
      ['iteration', Number(iteration)],
    ]),
    storages.map((s) => s.storage),
    { prefix: 'mp_rank_00_model_states' },
  );
  return folder;
}

/** One encode or decode case of a golden VAE file (vae-checkpoint/*.json, release-tiny.json's vae). */
export interface VaeGoldenCase {
  name: string;
  x?: number[];
  x_shape?: number[];
  moments?: number[];
  z?: number[];
  z_shape?: number[];
  out?: number[];
}
