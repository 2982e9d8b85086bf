import { readFileSync } from 'node:fs';
import { type AddedToken, splitAddedTokens, t5AddedTokens } from './added-tokens.ts';
import { TokenizerError } from './errors.ts';
import type { UnigramModel } from './model.ts';
import { Normalizer } from './normalize.ts';
import { readSpieceModel } from './spiece-file.ts';
import { readTokenizerJson } from './tokenizer-json.ts';
import { type TokenPiece, UnigramSegmenter } from './unigram.ts';

/** LayerFlow's text length per layer (FrozenT5Embedder max_length in the reference configs). */
export const T5_MAX_LENGTH = 226;

/** Token ids and attention mask of a batch, row-major [batch, length], ready as int64 model inputs. */
export interface Encoding {
  ids: BigInt64Array;
  attentionMask: BigInt64Array;
  dims: [number, number];
}

/**
 * T5's tokenizer as the reference calls it (transformers' slow T5Tokenizer, legacy, over sentencepiece):
 * added tokens split out first, each text run normalised and segmented on its own, truncated to
 * length − 1 ids, </s> appended unless the last id already is </s>, padded with <pad>.
 */
export class T5Tokenizer {
  private readonly normalizer: Normalizer;
  private readonly segmenter: UnigramSegmenter;
  readonly addedTokens: readonly AddedToken[];

  constructor(readonly model: UnigramModel) {
    this.normalizer = new Normalizer(model.normalizer);
    this.segmenter = new UnigramSegmenter(model);
    this.addedTokens = model.addedTokens ?? t5AddedTokens(model);
  }

  /** Ids the tokenizer can produce (transformers `len(tokenizer)`); a text encoder needs this many rows. */
  get size(): number {
    return Math.max(this.model.pieces.length, ...this.addedTokens.map((t) => t.id + 1));
  }

  /** The tokens of `text` before truncation and </s>: ids and their strings. */
  tokens(text: string): TokenPiece[] {
    return splitAddedTokens(text, this.addedTokens).flatMap((s) =>
      'token' in s
        ? [{ id: s.token.id, piece: s.token.content }]
        : this.segmenter.encodePieces(this.normalizer.normalize(s.text)),
    );
  }

  /** The ids of `text`, before truncation and </s>. */
  pieceIds(text: string): number[] {
    return this.tokens(text).map((t) => t.id);
  }

  /** The tokens' strings of `text` (an unknown run shows as its text, as sentencepiece gives it). */
  pieces(text: string): string[] {
    return this.tokens(text).map((t) => t.piece);
  }

  /** The ids of one row before padding: at most length − 1 tokens, then </s> unless already last. */
  rowIds(text: string, length = T5_MAX_LENGTH): number[] {
    const ids = this.pieceIds(text).slice(0, length - 1);
    // transformers T5Tokenizer._add_eos_if_not_present
    if (ids[ids.length - 1] !== this.model.eosId) ids.push(this.model.eosId);
    return ids;
  }

  /** `texts` as fixed-length rows (rowIds), padded with <pad> (mask 0). */
  encode(texts: readonly string[], length = T5_MAX_LENGTH): Encoding {
    if (!Number.isInteger(length) || length < 1) {
      throw new TokenizerError('bad-length', 'length', `token length must be a positive integer, got ${length}`);
    }
    const pad = this.model.padId;
    if (pad < 0) throw new TokenizerError('missing-piece', 'pad_id', 'the tokenizer has no <pad> piece to pad with');
    const ids = new BigInt64Array(texts.length * length).fill(BigInt(pad));
    const attentionMask = new BigInt64Array(texts.length * length);
    texts.forEach((text, row) => {
      this.rowIds(text, length).forEach((id, i) => {
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
