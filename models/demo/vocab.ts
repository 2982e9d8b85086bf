/** Words that carry no caption meaning but should tokenize whole (they embed to zero). */
const FILLER_WORDS = ['a', 'an', 'the', 'over', 'on', 'in', 'with', 'and', 'of', 'at', 'behind', 'front', 'scene'];
const SPECIALS = ['<pad>', '</s>', '<unk>'] as const;
const WORD_BOUNDARY = '▁';

/** A SentencePiece unigram vocabulary entry. */
export interface Piece {
  piece: string;
  score: number;
}

/**
 * The demo's word-level vocabulary: T5's special ids (pad 0, eos 1, unk 2), one piece per caption word
 * (lower and capitalised), filler words, digits and punctuation, and single characters so any text
 * tokenizes. `hidden[id]` is the caption word a piece stands for (its text-encoder dimension) or −1.
 */
export interface DemoVocab {
  /** Caption words: the text encoder's output dimensions, in order. */
  words: string[];
  pieces: Piece[];
  hidden: Int32Array;
}

/** The vocabulary over `captions` (deterministic: words sorted). */
export function demoVocab(captions: readonly string[]): DemoVocab {
  const words = [...new Set(captions.flatMap(captionWords))].sort();
  const entries: { piece: string; score: number; word: number }[] = SPECIALS.map((piece) => ({
    piece,
    score: 0,
    word: -1,
  }));
  const seen = new Set<string>(SPECIALS);
  const add = (piece: string, score: number, word: number) => {
    if (seen.has(piece)) return;
    seen.add(piece);
    entries.push({ piece, score, word });
  };
  words.forEach((w, i) => {
    add(WORD_BOUNDARY + w, -1, i);
    add(WORD_BOUNDARY + w[0].toUpperCase() + w.slice(1), -1, i);
  });
  for (const w of FILLER_WORDS) add(WORD_BOUNDARY + w, -2, -1);
  for (const d of '0123456789') add(WORD_BOUNDARY + d, -2, -1);
  for (const c of `${WORD_BOUNDARY},.;:!?'"-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ`) {
    add(c, -10, -1);
  }
  return {
    words,
    pieces: entries.map(({ piece, score }) => ({ piece, score })),
    hidden: Int32Array.from(entries, (e) => e.word),
  };
}

/** The lower-case words of a caption. */
export function captionWords(caption: string): string[] {
  return caption
    .toLowerCase()
    .split(/[^a-z]+/)
    .filter(Boolean);
}

/** Zeros and ones: which of `words` each caption has (captions × words, row-major). */
export function wordVectors(captions: readonly string[], words: readonly string[]): Float32Array {
  const out = new Float32Array(captions.length * words.length);
  captions.forEach((caption, r) => {
    for (const w of captionWords(caption)) {
      const c = words.indexOf(w);
      if (c >= 0) out[r * words.length + c] = 1;
    }
  });
  return out;
}
