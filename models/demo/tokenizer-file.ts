import type { DemoVocab } from './vocab.ts';

const SPACE = '▁';

/**
 * The demo tokenizer as a Hugging Face `tokenizer.json` with T5's conventions: a Unigram model over the
 * vocabulary's pieces (pad 0, eos 1, unk 2), Metaspace pre-tokenization ("▁" before each word), NFKC
 * normalization, and `</s>` appended.
 */
export function demoTokenizerJson(vocab: DemoVocab): Uint8Array {
  const specials = vocab.pieces.slice(0, 3).map(({ piece }, id) => ({
    id,
    content: piece,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  }));
  const metaspace = { type: 'Metaspace', replacement: SPACE, prepend_scheme: 'always', split: true };
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specials,
    normalizer: { type: 'NFKC' },
    pre_tokenizer: metaspace,
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
      pair: [
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '</s>', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 0 } },
        { SpecialToken: { id: '</s>', type_id: 0 } },
      ],
      special_tokens: { '</s>': { id: '</s>', ids: [1], tokens: ['</s>'] } },
    },
    decoder: metaspace,
    model: { type: 'Unigram', unk_id: 2, vocab: vocab.pieces.map((p) => [p.piece, p.score]), byte_fallback: false },
  };
  return new TextEncoder().encode(`${JSON.stringify(tokenizer, null, 1)}\n`);
}
