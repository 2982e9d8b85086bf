import { readFileSync } from 'node:fs';
import { TokenizerError } from './errors.ts';
import type { UnigramModel } from './model.ts';
import { Normalizer } from './normalize.ts';
import { readSpieceModel } from './spiece-file.ts';
import { readTokenizerJson } from './tokenizer-json.ts';
import { UnigramSegmenter } from './unigram.ts';

/** LayerFlow's text length per layer (FrozenT5Embedder max_length in the reference configs). */
export const T5_MAX_LENGTH = 226;

/** Token ids and attention mask of a batch, row-major [batch, length], ready as int64 model inputs. */
export interface Encoding {
  ids: BigInt64Array;
  attentionMask: BigInt64Array;
  dims: [number, number];
}

/**
 * T5's tokenizer (transformers T5Tokenizer over sentencepiece): normalise, segment, truncate to
 * length − 1, append </s>, pad with <pad> to the fixed length.
 */
export class T5Tokenizer {
  private readonly normalizer: Normalizer;
  private readonly segmenter: UnigramSegmenter;

  constructor(readonly model: UnigramModel) {
    this.normalizer = new Normalizer(model.normalizer);
    this.segmenter = new UnigramSegmenter(model);
  }

  /** The piece ids of `text`, without </s>. */
  pieceIds(text: string): number[] {
    return this.segmenter.encode(this.normalizer.normalize(text));
  }

  /** The pieces' strings of `text` (for display and debugging). */
  pieces(text: string): string[] {
    return this.pieceIds(text).map((id) => this.model.pieces[id].piece);
  }

  /** `texts` as fixed-length rows: truncated to `length − 1` pieces, </s>, then <pad> (mask 0). */
  encode(texts: readonly string[], length = T5_MAX_LENGTH): Encoding {
    if (!Number.isInteger(length) || length < 1) {
      throw new TokenizerError('bad-length', 'length', `token length must be a positive integer, got ${length}`);
    }
    const pad = this.model.padId;
    if (pad < 0) throw new TokenizerError('missing-piece', 'pad_id', 'the tokenizer has no <pad> piece to pad with');
    const ids = new BigInt64Array(texts.length * length).fill(BigInt(pad));
    const attentionMask = new BigInt64Array(texts.length * length);
    texts.forEach((text, row) => {
      const rowIds = [...this.pieceIds(text).slice(0, length - 1), this.model.eosId];
      rowIds.forEach((id, i) => {
        ids[row * length + i] = BigInt(id);
        attentionMask[row * length + i] = 1n;
      });
    });
    return { ids, attentionMask, dims: [texts.length, length] };
  }
}

/** A tokenizer from a `spiece.model` or a `tokenizer.json` file's bytes; `where` names it in errors. */
export function tokenizerFromBytes(bytes: Uint8Array, where: string): T5Tokenizer {
  const isJson = bytes[0] === 0x7b || where.endsWith('.json'); // '{'
  return new T5Tokenizer(isJson ? readTokenizerJson(bytes, where) : readSpieceModel(bytes, where));
}

export function loadTokenizer(path: string): T5Tokenizer {
  return tokenizerFromBytes(readFileSync(path), path);
}
