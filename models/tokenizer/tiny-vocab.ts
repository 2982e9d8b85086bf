import { type Piece, PieceType } from './model.ts';
import { writeSpieceModel } from './spiece-file.ts';

const WORD = '▁';

/** Frequent English words plus caption words (objects, scenes, motion), most frequent first. */
const WORDS = `the a of and in to is on with at by from for it this that an as are be his her their its
he she they we you i one two three up down over under into out near behind front back left right top
bottom small large big little old young new red blue green yellow white black brown grey gray orange
pink purple dark light bright man woman boy girl child person people dog cat horse bird fish cow sheep
car bus train boat bike bicycle plane tree trees grass flower flowers field forest mountain mountains
hill river lake sea ocean beach sand water sky cloud clouds sun moon snow rain road street city house
building wall room table chair window door floor ground background foreground scene video layer alpha
walking walks running runs jumping jumps flying flies swimming swims sitting sits standing stands
dancing dances riding rides playing plays moving moves turning turns looking looks holding holds slowly
quickly gently camera view close shot wide across along around through between while during`.split(/\s+/);

/** Word-forming pieces without a leading "▁" (suffixes and frequent inner chunks). */
const SUBWORDS = [
  's',
  'es',
  'ed',
  'ing',
  'er',
  'ers',
  'ly',
  'est',
  'tion',
  'ness',
  'ful',
  'less',
  'able',
  'al',
  'en',
  'y',
];

const CHARS = `abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,;:!?'"()[]{}-_/\\&%$#@*+=<>~\`^|`;

/**
 * The tiny pack's vocabulary, deterministic: T5's specials (pad 0, eos 1, unk 2), "▁", words as "▁word"
 * and "▁Word" with Zipf-like log-probability scores, suffix pieces, then every ASCII character on its own
 * and after "▁" so any ASCII text segments without <unk>.
 */
export function tinyVocabPieces(): Piece[] {
  const pieces: Piece[] = [
    { piece: '<pad>', score: 0, type: PieceType.control },
    { piece: '</s>', score: 0, type: PieceType.control },
    { piece: '<unk>', score: 0, type: PieceType.unknown },
    { piece: WORD, score: -2, type: PieceType.normal },
  ];
  const seen = new Set(pieces.map((p) => p.piece));
  const add = (piece: string, score: number) => {
    if (seen.has(piece)) return;
    seen.add(piece);
    pieces.push({ piece, score: Math.fround(score), type: PieceType.normal });
  };
  WORDS.forEach((w, rank) => {
    add(WORD + w, -3 - Math.log(1 + rank) / 2);
    add(WORD + w[0].toUpperCase() + w.slice(1), -6 - Math.log(1 + rank) / 2);
  });
  SUBWORDS.forEach((s, rank) => {
    add(s, -5 - Math.log(1 + rank) / 4);
  });
  [...CHARS].forEach((c, rank) => {
    add(c, -9 - rank / 100);
    add(WORD + c, -8 - rank / 100);
  });
  return pieces;
}

/**
 * NFKC-style rules for the tiny model's character map (as nmt_nfkc does for real T5): unusual
 * whitespace to a space, control and zero-width characters removed, and the NFKC forms of Latin-1,
 * ligatures, full-width ASCII, Roman numerals and circled numbers.
 */
export function tinyCharsmapRules(): Map<string, string> {
  const rules = new Map<string, string>();
  for (const c of '\t\n\r\u00a0\u1680\u202f\u205f\u3000') rules.set(c, ' ');
  for (let cp = 0x2000; cp <= 0x200a; cp++) rules.set(String.fromCodePoint(cp), ' ');
  for (let cp = 0x01; cp < 0x20; cp++)
    if (!rules.has(String.fromCodePoint(cp))) rules.set(String.fromCodePoint(cp), '');
  for (const c of '\u007f\u200b\u200c\u200d\ufeff') rules.set(c, '');
  const ranges: [number, number][] = [
    [0x00a1, 0x00ff],
    [0xfb00, 0xfb06],
    [0xff01, 0xff5e],
    [0x2160, 0x217f],
    [0x2460, 0x2473],
  ];
  for (const [from, to] of ranges) {
    for (let cp = from; cp <= to; cp++) {
      const c = String.fromCodePoint(cp);
      const n = c.normalize('NFKC');
      if (n !== c) rules.set(c, n);
    }
  }
  return rules;
}

/** The tiny pack's `spiece.model` bytes. */
export function tinySpieceModel(): Uint8Array {
  return writeSpieceModel(tinyVocabPieces(), { charsmapRules: tinyCharsmapRules(), normalizerName: 'nmt_nfkc' });
}
