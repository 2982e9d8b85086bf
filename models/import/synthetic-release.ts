import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { f32Tensor, type StTensor, serializeSafetensors } from '../safetensors.ts';
import type { T5Config } from '../t5/config.ts';
import { randomT5Weights } from '../t5/random-weights.ts';
import { t5WeightShapes } from '../t5/weights.ts';
import { T5_EXTRA_IDS } from '../tokenizer/index.ts';
import { readSpieceModel } from '../tokenizer/spiece-file.ts';
import { tinySpieceModel } from '../tokenizer/tiny-vocab.ts';
import { OrderedDictToWrite, type StorageToWrite, TensorToWrite, writeTorchFile } from '../torch/write.ts';
import { type VaeConfig, VaeConfigSchema } from '../vae/config.ts';
import { randomVaeWeights } from '../vae/random-weights.ts';
import { vaeWeightShapes } from '../vae/weights.ts';

/**
 * A T5 folder and a VAE file that fit a DiT of text width `textWidth` and `zChannels` latent channels, at the
 * smallest sizes that do (one T5 block, a narrow VAE (32 channels, the fewest 32 GroupNorm groups allow)): with writeSyntheticDitCheckpoint they make a release
 * the import bench can run end to end, its time and memory going to the DiT. Never real weights.
 */
export async function writeSyntheticParts(root: string, textWidth: number, zChannels: number): Promise<void> {
  const t5Dir = join(root, 'CogVideoX-2b-sat', 't5-v1_1-xxl');
  mkdirSync(t5Dir, { recursive: true });
  const spiece = tinySpieceModel();
  const pieces = readSpieceModel(spiece).pieces.length;
  const t5: T5Config = {
    vocab_size: pieces + T5_EXTRA_IDS,
    d_model: textWidth,
    d_kv: 16,
    d_ff: 32,
    num_layers: 1,
    num_heads: 2,
    relative_attention_num_buckets: 32,
    relative_attention_max_distance: 128,
    layer_norm_epsilon: 1e-6,
    feed_forward_proj: 'gated-gelu',
  };
  const t5Shapes = t5WeightShapes(t5);
  const tensors = new Map<string, StTensor>(
    [...randomT5Weights(t5, 3)].map(([name, data]) => [name, f32Tensor(data, t5Shapes.get(name) as number[])]),
  );
  writeFileSync(join(t5Dir, 'model.safetensors'), serializeSafetensors(tensors));
  writeFileSync(join(t5Dir, 'config.json'), JSON.stringify({ ...t5, model_type: 't5' }));
  writeFileSync(join(t5Dir, 'spiece.model'), spiece);

  const vae: VaeConfig = VaeConfigSchema.parse({
    z_channels: zChannels,
    ch: 32,
    ch_mult: [1, 1, 1, 1],
    num_res_blocks: 1,
  });
  const storages: StorageToWrite[] = [];
  const entries: [string, TensorToWrite][] = [];
  const vaeShapes = vaeWeightShapes(vae);
  for (const [name, data] of randomVaeWeights(vae, 5)) {
    const storage: StorageToWrite = {
      key: String(storages.length),
      dtype: 'float32',
      numel: data.length,
      chunks: () => [new Uint8Array(data.buffer, data.byteOffset, data.byteLength)],
    };
    storages.push(storage);
    entries.push([name, new TensorToWrite(storage, vaeShapes.get(name) as number[])]);
  }
  const vaeFile = join(root, 'CogVideoX-2b-sat', 'vae', '3d-vae.pt');
  mkdirSync(join(root, 'CogVideoX-2b-sat', 'vae'), { recursive: true });
  await writeTorchFile(vaeFile, new Map([['state_dict', new OrderedDictToWrite(entries)]]), storages, {
    prefix: 'archive',
  });
}
