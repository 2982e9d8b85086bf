import type { PackConfig } from '../pack/schema.ts';
import { buildT5Encoder } from '../t5/build.ts';
import { randomT5Weights } from '../t5/random-weights.ts';
import { tinySpieceModel } from '../tokenizer/tiny-vocab.ts';
import { tokenizerFromBytes } from '../tokenizer/tokenizer.ts';
import { tinyT5Config } from './config.ts';
import type { PartFiles } from './part-files.ts';

const SPIECE = 'tokenizer/spiece.model';
const TEXT_ENCODER = 'text-encoder.onnx';

/**
 * The tokenizer (a SentencePiece `spiece.model`, as CogVideoX ships T5's) and the T5 encoder with
 * random weights, whose embedding table has exactly one row per id of that tokenizer (its pieces, then
 * T5's 100 sentinels `<extra_id_N>`).
 */
export function textFiles(config: PackConfig, seed: number): PartFiles {
  const spiece = tinySpieceModel();
  const t5 = tinyT5Config(config, tokenizerFromBytes(spiece, SPIECE).size);
  const encoder = buildT5Encoder(t5, randomT5Weights(t5, seed), { maxLength: config.textTokensPerLayer });
  return {
    roles: { tokenizer: { path: SPIECE }, textEncoder: { path: TEXT_ENCODER } },
    contents: { [SPIECE]: spiece, [TEXT_ENCODER]: encoder.serialize().model },
  };
}
