export { type AddedToken, type Segment, splitAddedTokens, T5_EXTRA_IDS, t5AddedTokens } from './added-tokens.ts';
export { compileCharsmap } from './charsmap-write.ts';
export { TokenizerError, type TokenizerErrorCode } from './errors.ts';
export { type NormalizerSpec, type Piece, PieceType, T5_SPECIAL, type UnigramModel } from './model.ts';
export { readSpieceModel, type SpieceWriteOptions, writeSpieceModel } from './spiece-file.ts';
export { tinyCharsmapRules, tinySpieceModel, tinyVocabPieces } from './tiny-vocab.ts';
export { type Encoding, loadTokenizer, T5_MAX_LENGTH, T5Tokenizer, tokenizerFromBytes } from './tokenizer.ts';
export { readTokenizerJson } from './tokenizer-json.ts';
export type { TokenPiece } from './unigram.ts';
