import type { AddedToken } from './added-tokens.ts';

/** SentencePiece piece types (sentencepiece_model.proto ModelProto.SentencePiece.Type). */
export const PieceType = { normal: 1, unknown: 2, control: 3, userDefined: 4, unused: 5, byte: 6 } as const;
export type PieceTypeValue = (typeof PieceType)[keyof typeof PieceType];

/** One vocabulary entry; its id is its index. */
export interface Piece {
  piece: string;
  /** Log-probability-like score (float32 in the file). */
  score: number;
  type: PieceTypeValue;
}

/** How text is normalised before segmentation (sentencepiece NormalizerSpec, plus NFKC for tokenizer.json). */
export interface NormalizerSpec {
  name: string;
  /** sentencepiece's precompiled character map (a double-array trie + replacement strings); empty: none. */
  precompiledCharsmap: Uint8Array;
  /** Apply Unicode NFKC first (a tokenizer.json `NFKC` normalizer; spiece.model files use the charsmap). */
  nfkc: boolean;
  addDummyPrefix: boolean;
  removeExtraWhitespaces: boolean;
  escapeWhitespaces: boolean;
}

/** A unigram SentencePiece model, whichever file it came from. */
export interface UnigramModel {
  pieces: Piece[];
  unkId: number;
  eosId: number;
  /** −1 when the model has none. */
  padId: number;
  byteFallback: boolean;
  normalizer: NormalizerSpec;
  /** Strings split out before segmentation (a tokenizer.json's added_tokens); absent: T5Tokenizer's defaults. */
  addedTokens?: AddedToken[];
}

/** T5's defaults (pad 0, eos 1, unk 2; nmt_nfkc whitespace handling). */
export const T5_SPECIAL = { pad: 0, eos: 1, unk: 2 } as const;

export function defaultNormalizer(name = 'identity'): NormalizerSpec {
  return {
    name,
    precompiledCharsmap: new Uint8Array(0),
    nfkc: false,
    addDummyPrefix: true,
    removeExtraWhitespaces: true,
    escapeWhitespaces: true,
  };
}
