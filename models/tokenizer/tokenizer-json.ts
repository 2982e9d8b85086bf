import { z } from 'zod';
import { TokenizerError } from './errors.ts';
import { defaultNormalizer, type NormalizerSpec, type Piece, PieceType, type UnigramModel } from './model.ts';

type NormalizerJson = { type: string; normalizers?: NormalizerJson[]; precompiled_charsmap?: string | null };

const NormalizerJsonSchema: z.ZodType<NormalizerJson> = z.lazy(() =>
  z.looseObject({
    type: z.string(),
    normalizers: z.array(NormalizerJsonSchema).optional(),
    precompiled_charsmap: z.string().nullable().optional(),
  }),
);

/** The parts of a Hugging Face `tokenizer.json` a unigram (T5-style) tokenizer needs. */
const TokenizerJsonSchema = z.looseObject({
  added_tokens: z
    .array(
      z.looseObject({
        id: z.number().int(),
        content: z.string(),
        special: z.boolean(),
        lstrip: z.boolean().default(false),
        rstrip: z.boolean().default(false),
      }),
    )
    .default([]),
  normalizer: NormalizerJsonSchema.nullable().default(null),
  pre_tokenizer: z
    .looseObject({ type: z.string(), add_prefix_space: z.boolean().optional(), prepend_scheme: z.string().optional() })
    .nullable()
    .default(null),
  model: z.looseObject({
    type: z.literal('Unigram'),
    vocab: z.array(z.tuple([z.string(), z.number()])),
    unk_id: z.number().int().nullable(),
    byte_fallback: z.boolean().default(false),
  }),
});

/**
 * Reads a `tokenizer.json` with a Unigram model as the same model a `spiece.model` gives: specials from
 * `added_tokens` (</s> is eos, <pad> pad; all added tokens are split out of the text before segmentation),
 * normalizers Precompiled / NFKC (Replace and Strip are what sentencepiece's whitespace handling already
 * does), Metaspace's prefix setting as the dummy prefix.
 */
export function readTokenizerJson(bytes: Uint8Array, where = 'tokenizer.json'): UnigramModel {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new TokenizerError('bad-json', where, `${where} is not JSON: ${(e as Error).message}`);
  }
  const parsed = TokenizerJsonSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.join('.');
    throw new TokenizerError('bad-json', `${where}:${field}`, `${where}: ${field}: ${issue.message}`);
  }
  const t = parsed.data;
  const special = new Map(t.added_tokens.filter((a) => a.special).map((a) => [a.content, a.id]));
  const unkId = t.model.unk_id ?? -1;
  const pieces: Piece[] = t.model.vocab.map(([piece, score], id) => ({ piece, score, type: typeOf(piece, id) }));
  function typeOf(piece: string, id: number): Piece['type'] {
    if (id === unkId) return PieceType.unknown;
    if (special.get(piece) === id) return PieceType.control;
    if (t.model.byte_fallback && /^<0x[0-9A-F]{2}>$/.test(piece)) return PieceType.byte;
    return PieceType.normal;
  }
  const eosId = special.get('</s>') ?? -1;
  if (unkId < 0 || unkId >= pieces.length)
    throw new TokenizerError('missing-piece', `${where}:model.unk_id`, `${where} has no <unk>`);
  if (eosId < 0) throw new TokenizerError('missing-piece', `${where}:added_tokens`, `${where} has no </s> token`);
  const normalizer = normalizerOf(t.normalizer, where);
  const prefix = t.pre_tokenizer;
  normalizer.addDummyPrefix = prefix?.prepend_scheme !== 'never' && prefix?.add_prefix_space !== false;
  const addedTokens = t.added_tokens.map(({ content, id, lstrip, rstrip }) => ({ content, id, lstrip, rstrip }));
  return {
    pieces,
    unkId,
    eosId,
    padId: special.get('<pad>') ?? -1,
    byteFallback: t.model.byte_fallback,
    normalizer,
    addedTokens,
  };
}

function normalizerOf(n: NormalizerJson | null, where: string): NormalizerSpec {
  const spec = defaultNormalizer(n?.type ?? 'identity');
  const apply = (m: NormalizerJson) => {
    if (m.type === 'Sequence') for (const inner of m.normalizers ?? []) apply(inner);
    else if (m.type === 'NFKC') spec.nfkc = true;
    else if (m.type === 'Precompiled')
      spec.precompiledCharsmap = new Uint8Array(Buffer.from(m.precompiled_charsmap ?? '', 'base64'));
    else if (m.type !== 'Replace' && m.type !== 'Strip') {
      throw new TokenizerError('bad-json', `${where}:normalizer`, `${where}: normalizer ${m.type} is not supported`);
    }
  };
  if (n) apply(n);
  return spec;
}
