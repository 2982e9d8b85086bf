import type { PackConfig } from '../pack/schema.ts';
import { buildVaeDecoder } from '../vae/decoder.ts';
import { buildVaeEncoder } from '../vae/encoder.ts';
import { randomVaeWeights } from '../vae/random-weights.ts';
import { tinyVaeConfig } from './config.ts';
import type { PartFiles } from './part-files.ts';

const ENCODER = 'vae-encoder.onnx';
const DECODER = 'vae-decoder.onnx';

/** The causal 3D VAE's encoder and decoder, built from one set of random weights. */
export function vaeFiles(config: PackConfig, seed: number): PartFiles {
  const vae = tinyVaeConfig(config);
  const weights = randomVaeWeights(vae, seed);
  return {
    roles: { vaeEncoder: { path: ENCODER }, vaeDecoder: { path: DECODER } },
    contents: {
      [ENCODER]: buildVaeEncoder(vae, weights).serialize().model,
      [DECODER]: buildVaeDecoder(vae, weights, { carry: true }).serialize().model,
    },
  };
}
