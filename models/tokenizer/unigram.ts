import { type Piece, PieceType, type UnigramModel } from './model.ts';

/** One token of a segmentation: its id and its text. */
export interface TokenPiece {
  id: number;
  piece: string;
}

/** sentencepiece's penalty below the lowest piece score for an unknown character (unigram_model.h kUnkPenalty). */
const UNK_PENALTY = 10;

/**
 * Best segmentation of normalised text under a unigram model (sentencepiece unigram_model.cc
 * EncodeOptimized): Viterbi over character positions with float32 path scores, ties kept by the
 * first candidate found; a character no piece covers becomes <unk>; runs of <unk> merge into one
 * (sentencepiece_processor.cc), or become byte pieces when the model has byte fallback.
 */
export class UnigramSegmenter {
  private readonly ids = new Map<string, number>();
  private readonly byteIds = new Map<string, number>();
  private readonly maxChars: number;
  private readonly minScore: number;
  private readonly maxScore: number;

  constructor(private readonly model: UnigramModel) {
    let maxChars = 1;
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    model.pieces.forEach((p, id) => {
      if (p.type === PieceType.normal) {
        min = Math.min(min, p.score);
        max = Math.max(max, p.score);
      }
      if (p.type === PieceType.byte) this.byteIds.set(p.piece, id);
      if (!isMatchable(p) || this.ids.has(p.piece)) return;
      this.ids.set(p.piece, id);
      maxChars = Math.max(maxChars, [...p.piece].length);
    });
    this.maxChars = maxChars;
    this.minScore = Number.isFinite(min) ? min : 0;
    this.maxScore = Number.isFinite(max) ? max : 0;
  }

  /** Piece ids of `normalized` (already through the Normalizer). */
  encode(normalized: string): number[] {
    return this.encodePieces(normalized).map((p) => p.id);
  }

  /**
   * The pieces of `normalized` with their ids, as sentencepiece's EncodeAsPieces gives them: an unknown
   * run is its own text (with id unk), byte-fallback pieces are `<0xXX>`.
   */
  encodePieces(normalized: string): TokenPiece[] {
    const chars = [...normalized];
    const best = this.viterbi(chars);
    const spans: { start: number; end: number; id: number }[] = [];
    for (let end = chars.length; end > 0; end = best[end].start) spans.push({ ...best[end], end });
    spans.reverse();
    return this.emit(chars, spans);
  }

  private viterbi(chars: string[]): { start: number; id: number; score: number }[] {
    const n = chars.length;
    const best = Array.from({ length: n + 1 }, () => ({ start: -1, id: -1, score: 0 }));
    const unkScore = Math.fround(this.minScore - UNK_PENALTY);
    const offer = (end: number, start: number, id: number, score: number) => {
      const candidate = Math.fround(score + best[start].score);
      if (best[end].start === -1 || candidate > best[end].score) best[end] = { start, id, score: candidate };
    };
    for (let start = 0; start < n; start++) {
      let covered = false;
      let text = '';
      for (let len = 1; len <= this.maxChars && start + len <= n; len++) {
        text += chars[start + len - 1];
        const id = this.ids.get(text);
        if (id === undefined || this.model.pieces[id].type === PieceType.unused) continue;
        offer(start + len, start, id, this.scoreOf(id, text));
        if (len === 1) covered = true;
      }
      if (!covered) offer(start + 1, start, this.model.unkId, unkScore);
    }
    return best;
  }

  /** User-defined pieces get a bonus so they always win (length in UTF-8 bytes × max score − 0.1). */
  private scoreOf(id: number, text: string): number {
    const p = this.model.pieces[id];
    if (p.type !== PieceType.userDefined) return p.score;
    return Math.fround(Buffer.byteLength(text) * this.maxScore - 0.1);
  }

  private emit(chars: string[], spans: { start: number; end: number; id: number }[]): TokenPiece[] {
    const out: TokenPiece[] = [];
    let prevUnk = false;
    for (const { start, end, id } of spans) {
      const unk = id === this.model.unkId;
      const text = chars.slice(start, end).join('');
      if (unk && this.model.byteFallback) out.push(...this.bytePieces(text));
      else if (unk && prevUnk) out[out.length - 1].piece += text;
      else out.push({ id, piece: unk ? text : this.model.pieces[id].piece });
      prevUnk = unk;
    }
    return out;
  }

  /** <0xXX> pieces of the UTF-8 bytes of `text` (byte fallback; <unk> for a byte the model lacks). */
  private bytePieces(text: string): TokenPiece[] {
    return [...Buffer.from(text, 'utf8')].map((b) => {
      const piece = `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`;
      return { id: this.byteIds.get(piece) ?? this.model.unkId, piece };
    });
  }
}

/** Pieces text can match (model_interface.cc: normal, user-defined and unused; not control/unknown/byte). */
function isMatchable(p: Piece): boolean {
  return p.type === PieceType.normal || p.type === PieceType.userDefined || p.type === PieceType.unused;
}
