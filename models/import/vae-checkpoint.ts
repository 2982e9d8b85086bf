import { TorchFileError } from '../torch/errors.ts';
import { TorchTensor } from '../torch/globals.ts';
import { loadTorchFile, topLevelDict } from '../torch/load.ts';
import { describe } from '../torch/pickle.ts';
import { tensorSource } from '../torch/tensor.ts';
import { type VaeConfig, VaeConfigSchema } from '../vae/config.ts';
import { vaeWeightShapes } from '../vae/weights.ts';
import type { TensorSource, WeightSource } from '../weights/source.ts';
import { CheckpointError } from './errors.ts';
import { checkStateDict, type StoredTensor } from './keys.ts';

/** The CogVideoX VAE file, opened: tensors are read only when asked for. */
export interface VaeCheckpoint {
  file: string;
  config: VaeConfig;
  /** Every parameter of vaeWeightShapes(config) (`encoder.*`, `decoder.*`). */
  weights: WeightSource;
  /** Keys the reference drops or never loads (`loss.*`: LPIPS, discriminator, logvar). */
  ignored: string[];
}

export interface OpenVaeOptions {
  /** A VaeConfig (e.g. a golden file's `config`); otherwise inferred from the tensor shapes. */
  config?: unknown;
}

/**
 * Opens `CogVideoX-2b-sat/vae/3d-vae.pt` (`{'state_dict': OrderedDict}`) as the reference's
 * VideoAutoencoderInferenceWrapper.init_from_ckpt loads it: `loss.*` deleted, the rest checked key by key
 * and shape by shape against the config.
 */
export async function openVaeCheckpoint(file: string, opts: OpenVaeOptions = {}): Promise<VaeCheckpoint> {
  const tf = await loadTorchFile(file);
  const stored = new Map<string, StoredTensor<TorchTensor>>();
  const ignored: string[] = [];
  for (const [key, value] of topLevelDict(tf, 'state_dict')) {
    if (typeof key !== 'string' || !/^(encoder|decoder)\./.test(key)) {
      ignored.push(String(key));
      continue;
    }
    if (!(value instanceof TorchTensor)) {
      throw new TorchFileError('bad-tensor', file, key, `state-dict entry ${key} is ${describe(value)}, not a tensor`);
    }
    stored.set(key, { key, shape: value.shape, tensor: value });
  }
  const config = opts.config === undefined ? inferVaeConfig(file, stored) : VaeConfigSchema.parse(opts.config);
  const shapes = vaeWeightShapes(config);
  checkStateDict(file, stored, shapes, () => false, '');
  const weights = new Map<string, TensorSource>();
  for (const name of shapes.keys()) {
    const t = stored.get(name) as StoredTensor<TorchTensor>;
    weights.set(name, tensorSource(tf.archive, t.tensor, t.key));
  }
  return { file, config, weights, ignored };
}

/**
 * The VaeConfig the shapes imply: widths from conv_in and each level's first block, res blocks per level,
 * z channels from conv_out / decoder.conv_in. Time compression (4×), GroupNorm groups (32) and eps (1e-6)
 * leave no trace in shapes: CogVideoX's values.
 */
export function inferVaeConfig(file: string, stored: ReadonlyMap<string, StoredTensor<unknown>>): VaeConfig {
  const shape = (key: string) => {
    const t = stored.get(key);
    if (!t)
      throw new CheckpointError('missing-keys', file, [key], `missing key ${key}, needed to tell the VAE's sizes`);
    return t.shape;
  };
  const count = (pattern: RegExp) => new Set([...stored.keys()].map((k) => pattern.exec(k)?.[1]).filter(Boolean)).size;
  const [ch, inChannels] = shape('encoder.conv_in.conv.weight');
  const levels = count(/^encoder\.down\.(\d+)\./);
  const zChannels = shape('decoder.conv_in.conv.weight')[1];
  const moments = shape('encoder.conv_out.conv.weight')[0];
  const parsed = VaeConfigSchema.safeParse({
    ch,
    in_channels: inChannels,
    out_ch: shape('decoder.conv_out.conv.weight')[0],
    z_channels: zChannels,
    double_z: moments === 2 * zChannels,
    ch_mult: Array.from({ length: levels }, (_, l) => shape(`encoder.down.${l}.block.0.conv1.conv.weight`)[0] / ch),
    num_res_blocks: count(/^encoder\.down\.0\.block\.(\d+)\./),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CheckpointError(
      'config-mismatch',
      file,
      [],
      `the VAE's shapes imply ${issue.path.join('.')}: ${issue.message} (give its config with --config: vae.config)`,
    );
  }
  return parsed.data;
}
