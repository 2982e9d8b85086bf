import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mulberry32 } from '../../models/random.ts';
import { Charsmap } from '../../models/tokenizer/charsmap.ts';
import { compileCharsmap } from '../../models/tokenizer/charsmap-write.ts';
import { TokenizerError } from '../../models/tokenizer/errors.ts';
import { defaultNormalizer, type Piece, PieceType, type UnigramModel } from '../../models/tokenizer/model.ts';
import { readSpieceModel, writeSpieceModel } from '../../models/tokenizer/spiece-file.ts';
import { tinySpieceModel, tinyVocabPieces } from '../../models/tokenizer/tiny-vocab.ts';
import { T5Tokenizer, tokenizerFromBytes } from '../../models/tokenizer/tokenizer.ts';
import { UnigramSegmenter } from '../../models/tokenizer/unigram.ts';

const SPECIALS: Piece[] = [
  { piece: '<pad>', score: 0, type: PieceType.control },
  { piece: '</s>', score: 0, type: PieceType.control },
  { piece: '<unk>', score: 0, type: PieceType.unknown },
];

const normal = (piece: string, score: number): Piece => ({ piece, score, type: PieceType.normal });

/** A hand-made vocabulary whose best segmentations are worked out in the comments below. */
const HAND = [
  ...SPECIALS,
  normal('▁', -2), // 3
  normal('▁the', -1), // 4
  normal('the', -3), // 5
  normal('▁cat', -1.5), // 6
  normal('▁h', -1), // 7
  normal('at', -1), // 8
  normal('▁hat', -2.5), // 9
  normal('t', -2.5), // 10
  normal('h', -4), // 11
  normal('a', -4), // 12
  normal('c', -4), // 13
  normal('e', -4), // 14
];

function model(pieces: Piece[], extra: Partial<UnigramModel> = {}): UnigramModel {
  return { pieces, unkId: 2, eosId: 1, padId: 0, byteFallback: false, normalizer: defaultNormalizer(), ...extra };
}

test('tokenizer: hand-checked best segmentations', () => {
  const t = new T5Tokenizer(model(HAND));
  // ▁the(-1) + ▁cat(-1.5) beats ▁ + the + ... .
  assert.deepEqual(t.pieces('the cat'), ['▁the', '▁cat']);
  // ▁h(-1) + at(-1) = -2 beats the whole piece ▁hat(-2.5).
  assert.deepEqual(t.pieces('hat'), ['▁h', 'at']);
  // "thet": ▁the + t (-3.5) beats ▁ + the + t (-7.5).
  assert.deepEqual(t.pieces('thet'), ['▁the', 't']);
  // Spaces: leading and trailing dropped, runs collapsed, so both give the same pieces.
  assert.deepEqual(t.pieceIds('   the    cat  '), t.pieceIds('the cat'));
  // No charsmap: U+00A0 is not a space here; an unknown run shows as its text, as sentencepiece gives it.
  assert.deepEqual(t.pieces(' \u00a0 '), ['▁', '\u00a0']);
  assert.deepEqual(t.pieceIds(' \u00a0 '), [3, 2]);
  assert.deepEqual(t.pieceIds('   '), []);
});

test('tokenizer: unknown characters become <unk> (id 2), a run of them one <unk>', () => {
  const t = new T5Tokenizer(model(HAND));
  assert.deepEqual(t.pieceIds('the€€ cat'), [4, 2, 6]);
  assert.deepEqual(t.pieceIds('€ €'), [3, 2, 3, 2]);
});

test('tokenizer: byte fallback spells unknown characters as UTF-8 byte pieces', () => {
  const bytes = Array.from({ length: 256 }, (_, b) => ({
    piece: `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`,
    score: 0,
    type: PieceType.byte,
  }));
  const t = new T5Tokenizer(model([...HAND, ...bytes], { byteFallback: true }));
  const byteId = (b: number) => HAND.length + b;
  assert.deepEqual(t.pieceIds('the€'), [4, byteId(0xe2), byteId(0x82), byteId(0xac)]);
});

test('tokenizer: Viterbi finds the best-scoring segmentation (fuzz against brute force)', () => {
  const seed = 7;
  const next = mulberry32(seed);
  const alphabet = ['▁', 'a', 'b', 'c', 'é'];
  const pick = () => alphabet[Math.floor(next() * alphabet.length)];
  for (let trial = 0; trial < 300; trial++) {
    // Every single character is a piece, so no <unk> hides how many characters it covers.
    const pieces = [...SPECIALS];
    const seen = new Set<string>();
    const add = (piece: string) => {
      if (seen.has(piece)) return;
      seen.add(piece);
      pieces.push(normal(piece, Math.fround(-1 - next() * 8)));
    };
    for (const c of alphabet) add(c);
    for (let i = 0; i < 12; i++) add(Array.from({ length: 2 + Math.floor(next() * 2) }, pick).join(''));
    const text = Array.from({ length: 1 + Math.floor(next() * 8) }, pick).join('');
    const m = model(pieces);
    const got = new UnigramSegmenter(m).encode(text);
    assert.equal(
      got.map((id) => m.pieces[id].piece).join(''),
      text,
      `seed ${seed} trial ${trial}: pieces spell the text`,
    );
    const score = got.reduce((s, id) => s + m.pieces[id].score, 0);
    const best = bestScore(m, [...text]);
    assert.ok(Math.abs(score - best) < 1e-4, `seed ${seed} trial ${trial}: "${text}" scored ${score}, best ${best}`);
  }
});

/** The best total score over every segmentation of `chars` into normal pieces (memoised recursion). */
function bestScore(m: UnigramModel, chars: string[]): number {
  const scores = new Map(m.pieces.filter((p) => p.type === PieceType.normal).map((p) => [p.piece, p.score]));
  const memo = new Map<number, number>();
  const best = (at: number): number => {
    if (at === chars.length) return 0;
    const known = memo.get(at);
    if (known !== undefined) return known;
    let b = Number.NEGATIVE_INFINITY;
    for (let end = at + 1; end <= chars.length; end++) {
      const s = scores.get(chars.slice(at, end).join(''));
      if (s !== undefined) b = Math.max(b, s + best(end));
    }
    memo.set(at, b);
    return b;
  };
  return best(0);
}

test('tokenizer: </s> appended, padded with <pad> to 226 with a matching attention mask', () => {
  const t = new T5Tokenizer(model(HAND));
  const { ids, attentionMask, dims } = t.encode(['the cat', ''], 226);
  assert.deepEqual(dims, [2, 226]);
  assert.deepEqual([...ids.slice(0, 4)], [4n, 6n, 1n, 0n]);
  assert.deepEqual([...attentionMask.slice(0, 4)], [1n, 1n, 1n, 0n]);
  assert.equal(ids[226], 1n); // the empty prompt: </s> then pads
  assert.ok(ids.slice(227).every((v) => v === 0n));
  assert.equal(
    attentionMask.slice(226).reduce((a, b) => a + b, 0n),
    1n,
  );
});

test('tokenizer: </s>, <pad>, <unk> in a prompt are those ids, split out before SentencePiece', () => {
  const t = new T5Tokenizer(model(HAND));
  assert.deepEqual(t.pieceIds('the</s>cat'), [4, 1, 6]); // each side segmented on its own: "cat" gets its ▁
  assert.deepEqual(t.pieceIds('the <pad> <unk>cat'), [4, 0, 2, 6]);
  assert.deepEqual(t.pieces('hat</s>'), ['▁h', 'at', '</s>']);
});

test('tokenizer: sentinels <extra_id_N> are pieces + 99 − N and eat the whitespace around them', () => {
  const t = new T5Tokenizer(model(HAND));
  const sentinel = (n: number) => HAND.length + 99 - n;
  assert.equal(t.size, HAND.length + 100);
  assert.deepEqual(t.pieceIds('<extra_id_0>'), [sentinel(0)]);
  assert.deepEqual(t.pieceIds('the <extra_id_12>  cat'), [4, sentinel(12), 6]);
  assert.deepEqual(t.pieceIds('the<extra_id_99>cat'), [4, sentinel(99), 6]);
  assert.ok(
    t.pieceIds('<extra_id_100>').every((id) => id < HAND.length),
    'not a sentinel',
  );
  // Python's whitespace: an ideographic space is eaten too; 'a' is then its own word.
  assert.deepEqual(t.pieceIds('a\u3000<extra_id_1>\u3000a'), [3, 12, sentinel(1), 3, 12]);
});

test('tokenizer: </s> is appended unless the ids already end with it, also at the 225-id cut', () => {
  const t = new T5Tokenizer(model(HAND));
  const row = (text: string) => [...t.encode([text], 226).ids].map(Number);
  assert.deepEqual(row('the cat</s>').slice(0, 4), [4, 6, 1, 0]);
  assert.deepEqual(row('the cat </s></s>').slice(0, 5), [4, 6, 1, 1, 0]);
  const words = (n: number) => Array.from({ length: n }, () => 'the').join(' ');
  // 224 pieces + </s> = 225 ids ending in </s>: kept as they are, one pad.
  assert.deepEqual(row(`${words(224)}</s>`).slice(223), [4, 1, 0]);
  // 225 pieces + </s>: cut to 225 pieces, then </s>.
  assert.deepEqual(row(`${words(225)}</s>`).slice(223), [4, 4, 1]);
  // The cut lands on a literal </s>: nothing appended (the cats are cut away).
  assert.deepEqual(row(`${words(224)}</s> cat cat`).slice(223), [4, 1, 0]);
});

test('tokenizer: a tokenizer.json splits out exactly its added_tokens', () => {
  const json = {
    added_tokens: [
      ...SPECIALS.map((p, id) => ({ id, content: p.piece, special: true })),
      { id: HAND.length, content: '<mask>', special: true, lstrip: true, rstrip: false },
    ],
    model: { type: 'Unigram', unk_id: 2, vocab: [...HAND, { piece: '<mask>' }].map((p) => [p.piece, 0]) },
  };
  const t = tokenizerFromBytes(new TextEncoder().encode(JSON.stringify(json)), 'tokenizer.json');
  assert.deepEqual(t.pieceIds('the <mask> cat</s>'), [4, HAND.length, 6, 1]);
  assert.ok(!t.pieceIds('<extra_id_0>').includes(HAND.length + 99), 'no sentinels of its own');
  assert.equal(t.size, HAND.length + 1);
});

test('tokenizer: long text is truncated to 225 pieces plus </s>', () => {
  const t = new T5Tokenizer(model(HAND));
  const text = Array.from({ length: 300 }, (_, i) => (i % 2 ? 'cat' : 'the')).join(' ');
  const { ids, attentionMask } = t.encode([text], 226);
  assert.equal(ids.length, 226);
  assert.equal(ids[225], 1n);
  assert.deepEqual([ids[223], ids[224]], [6n, 4n]); // pieces 224 and 225: ▁cat ▁the
  assert.ok(attentionMask.every((v) => v === 1n));
  const exact = Array.from({ length: 225 }, () => 'the').join(' ');
  const e = t.encode([exact], 226);
  assert.equal(e.ids[224], 4n);
  assert.equal(e.ids[225], 1n);
});

test('tokenizer: charsmap rules compile to a trie that matches the longest rule', () => {
  const cm = new Charsmap(
    compileCharsmap(
      new Map([
        ['A', 'a'],
        ['AB', 'x'],
        ['ﬁ', 'fi'],
        ['\u0001', ''],
      ]),
    ),
  );
  const enc = new TextEncoder();
  const dec = (s: string) => {
    const m = cm.longestMatch(enc.encode(s), 0);
    return m && [m.length, new TextDecoder().decode(m.replacement)];
  };
  assert.deepEqual(dec('ABC'), [2, 'x']);
  assert.deepEqual(dec('AC'), [1, 'a']);
  assert.deepEqual(dec('ﬁn'), [3, 'fi']);
  assert.deepEqual(dec('\u0001'), [1, '']);
  assert.equal(dec('B'), null);
  assert.equal(dec('z'), null);
});

test('tokenizer: a written spiece.model reads back with the same pieces and segmentation', () => {
  const bytes = writeSpieceModel(HAND, {
    charsmapRules: new Map([
      ['Ｔ', 't'],
      ['\t', ' '],
    ]),
  });
  const read = readSpieceModel(bytes, 'hand.model');
  assert.deepEqual(read.pieces, HAND);
  assert.deepEqual([read.unkId, read.eosId, read.padId], [2, 1, 0]);
  const t = new T5Tokenizer(read);
  assert.deepEqual(t.pieces('Ｔhe\tcat'), ['▁the', '▁cat']);
});

test('tokenizer: the tiny pack vocabulary is deterministic and normalises NFKC-style', () => {
  const bytes = tinySpieceModel();
  assert.deepEqual(bytes, tinySpieceModel());
  const t = tokenizerFromBytes(bytes, 'spiece.model');
  assert.equal(t.model.pieces.length, tinyVocabPieces().length);
  assert.deepEqual(t.pieces('0, A man walking his dog'), ['▁0', ',', '▁A', '▁man', '▁walking', '▁his', '▁dog']);
  assert.deepEqual(t.pieceIds('ﬁsh　in\tthe\u200b sea'), t.pieceIds('fish in the sea'));
  assert.deepEqual(t.pieceIds('Ｈｅｌｌｏ'), t.pieceIds('Hello'));
  assert.ok(!t.pieceIds('Any ASCII text: #42 (ok)!').includes(2));
});

test('tokenizer: a tokenizer.json with the same vocabulary and charsmap segments the same', () => {
  const rules = new Map([['Ｔ', 't']]);
  const json = {
    added_tokens: SPECIALS.slice(0, 2).map((p, id) => ({ id, content: p.piece, special: true })),
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'Precompiled', precompiled_charsmap: Buffer.from(compileCharsmap(rules)).toString('base64') },
        { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' },
      ],
    },
    pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    model: { type: 'Unigram', unk_id: 2, vocab: HAND.map((p) => [p.piece, p.score]) },
  };
  const fromJson = tokenizerFromBytes(new TextEncoder().encode(JSON.stringify(json)), 'tokenizer.json');
  const fromModel = tokenizerFromBytes(writeSpieceModel(HAND, { charsmapRules: rules }), 'spiece.model');
  for (const s of ['Ｔhe  cat', 'hat thet', '€ the']) assert.deepEqual(fromJson.pieceIds(s), fromModel.pieceIds(s));
  assert.equal(fromJson.model.pieces[2].type, PieceType.unknown);
  assert.equal(fromJson.model.pieces[1].type, PieceType.control);
});

test('tokenizer: broken files are errors naming the file', () => {
  const bad = (f: () => unknown, code: string) =>
    assert.throws(f, (e: unknown) => e instanceof TokenizerError && e.code === code && e.message.includes('x.'));
  bad(() => tokenizerFromBytes(new Uint8Array([0xff, 0xff, 0xff]), 'x.model'), 'bad-model');
  bad(() => tokenizerFromBytes(new TextEncoder().encode('{"model":{"type":"BPE"}}'), 'x.json'), 'bad-json');
});
