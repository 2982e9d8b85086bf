import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { type T5Config, T5ConfigSchema } from '../t5/config.ts';
import { EMBEDDING, EMBEDDING_ALIAS, t5WeightShapes } from '../t5/weights.ts';
import { loadTokenizer, type T5Tokenizer } from '../tokenizer/index.ts';
import { WeightFileError } from '../weights/file-error.ts';
import { openSafetensors, type SafetensorsTensor } from '../weights/safetensors-source.ts';
import type { WeightDType } from '../weights/source.ts';
import { readJson } from './read-json.ts';
import { checkTokenizerConfig } from './t5-tokenizer-config.ts';

/** A T5 v1.1 encoder folder as Hugging Face releases it (CogVideoX-2b-sat/t5-v1_1-xxl), opened lazily. */
export interface T5Folder {
  dir: string;
  config: T5Config;
  /** HF T5EncoderModel parameter name → stored tensor, read when used (`shared.weight` is the embedding). */
  weights: ReadonlyMap<string, SafetensorsTensor>;
  /** Element types the tensors are stored in. */
  dtypes: WeightDType[];
  /** The SentencePiece model (the pack's tokenizer file) and the tokenizer it makes. */
  tokenizerFile: string;
  tokenizer: T5Tokenizer;
  /** Stored keys the encoder does not use (a whole T5's `decoder.*`, `lm_head.weight`). */
  ignoredKeys: string[];
  /** Every file of the folder this import read, absolute. */
  files: string[];
}

const CONFIG = 'config.json';
const INDEX = 'model.safetensors.index.json';
const SINGLE = 'model.safetensors';
const SPIECE = 'spiece.model';

const IndexSchema = z.object({
  metadata: z.looseObject({ total_size: z.number().optional() }).optional(),
  weight_map: z.record(z.string(), z.string()),
});

/**
 * Opens a T5 encoder folder: config.json through T5ConfigSchema, the safetensors shards that
 * model.safetensors.index.json names (or one model.safetensors) by header only, spiece.model with the
 * tokenizer files checked against what the pack's tokenizer does. Errors name the file and key: missing
 * file or shard, a key of the weight map missing from its shard, missing or unexpected encoder keys,
 * shape mismatch, element types other than F32/F16/BF16, a tokenizer the embedding cannot hold.
 */
export function openT5Folder(folder: string): T5Folder {
  const dir = resolve(folder);
  if (!existsSync(dir)) throw new WeightFileError('missing-file', dir, `${dir}: no such T5 folder`);
  const files: string[] = [];
  const config = readConfig(join(dir, CONFIG));
  files.push(join(dir, CONFIG));
  const { tensors, listing } = readWeightMap(dir, files);
  const { weights, ignoredKeys } = encoderWeights(config, tensors, listing);
  const tokenizerFile = requireFile(dir, SPIECE, 'the SentencePiece tokenizer');
  files.push(tokenizerFile);
  const tokenizer = loadTokenizer(tokenizerFile);
  files.push(...checkTokenizerConfig(dir, tokenizer));
  if (tokenizer.size > config.vocab_size) {
    throw new WeightFileError(
      'bad-config',
      join(dir, CONFIG),
      `${join(dir, CONFIG)}: vocab_size ${config.vocab_size} is smaller than the ${tokenizer.size} ids of ${tokenizerFile}`,
      'vocab_size',
    );
  }
  const dtypes = [...new Set([...weights.values()].map((t) => t.dtype))];
  return { dir, config, weights, dtypes, tokenizerFile, tokenizer, ignoredKeys, files };
}

function readConfig(file: string): T5Config {
  const json = readJson(file, 'the model config');
  const parsed = T5ConfigSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.join('.');
    throw new WeightFileError('bad-config', file, `${file}: ${field}: ${issue.message}`, field);
  }
  return parsed.data;
}

/**
 * Stored key → tensor over every shard, checking that each key sits where the index says; `listing` is the
 * file that lists the keys (the index, or the single weights file).
 */
function readWeightMap(dir: string, files: string[]): { tensors: Map<string, SafetensorsTensor>; listing: string } {
  const indexFile = join(dir, INDEX);
  if (!existsSync(indexFile)) {
    const single = requireFile(dir, SINGLE, `the weights (${INDEX} or ${SINGLE})`);
    files.push(single);
    return { tensors: openSafetensors(single), listing: single };
  }
  const parsed = IndexSchema.safeParse(readJson(indexFile, 'the weight index'));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new WeightFileError('bad-file', indexFile, `${indexFile}: ${issue.path.join('.')}: ${issue.message}`);
  }
  files.push(indexFile);
  const shards = new Map<string, Map<string, SafetensorsTensor>>();
  const out = new Map<string, SafetensorsTensor>();
  for (const [key, shardName] of Object.entries(parsed.data.weight_map)) {
    let shard = shards.get(shardName);
    if (!shard) {
      const file = join(dir, shardName);
      if (!existsSync(file)) {
        throw new WeightFileError(
          'missing-file',
          file,
          `${indexFile} puts ${key} in ${shardName}, which is missing from ${dir}`,
          key,
        );
      }
      shard = openSafetensors(file);
      shards.set(shardName, shard);
      files.push(file);
    }
    const tensor = shard.get(key);
    if (!tensor) {
      const file = join(dir, shardName);
      throw new WeightFileError('missing-key', file, `${file} has no ${key}, which ${indexFile} puts there`, key);
    }
    out.set(key, tensor);
  }
  return { tensors: out, listing: indexFile };
}

/** The encoder's parameters under their HF names, shapes checked; other stored keys ignored or refused. */
function encoderWeights(
  config: T5Config,
  stored: Map<string, SafetensorsTensor>,
  listing: string,
): { weights: Map<string, SafetensorsTensor>; ignoredKeys: string[] } {
  const shapes = t5WeightShapes(config);
  const weights = new Map<string, SafetensorsTensor>();
  const missing: string[] = [];
  for (const [name, dims] of shapes) {
    const tensor = stored.get(name) ?? (name === EMBEDDING ? stored.get(EMBEDDING_ALIAS) : undefined);
    if (!tensor) {
      missing.push(`${name} [${dims.join(', ')}]`);
      continue;
    }
    if (tensor.shape.join(',') !== dims.join(',')) {
      throw new WeightFileError(
        'shape-mismatch',
        tensor.file,
        `${tensor.file}: ${tensor.key} is [${tensor.shape.join(', ')}], config.json implies [${dims.join(', ')}]`,
        tensor.key,
      );
    }
    weights.set(name, tensor);
  }
  if (missing.length) {
    throw new WeightFileError(
      'missing-key',
      listing,
      `${listing} lacks ${missing.length} T5 encoder weights: ${list(missing)}`,
      missing[0].split(' ')[0],
    );
  }
  const unused = [...stored.keys()].filter((k) => !shapes.has(k) && k !== EMBEDDING_ALIAS);
  // Encoder keys this architecture has no place for mean a different model, not a bigger download.
  const foreign = unused.filter((k) => k.startsWith('encoder.'));
  if (foreign.length) {
    const file = stored.get(foreign[0])?.file ?? listing;
    throw new WeightFileError(
      'unexpected-key',
      file,
      `${file}: ${foreign.length} encoder keys are not T5 v1.1 encoder parameters of this config.json: ${list(foreign)}`,
      foreign[0],
    );
  }
  return { weights, ignoredKeys: unused };
}

function list(names: string[]): string {
  return names.length > 8 ? `${names.slice(0, 8).join(', ')}, … (${names.length - 8} more)` : names.join(', ');
}

function requireFile(dir: string, name: string, what: string): string {
  const file = join(dir, name);
  if (!existsSync(file)) throw new WeightFileError('missing-file', file, `${dir} has no ${name} (${what})`);
  return file;
}
