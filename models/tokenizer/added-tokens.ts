import type { UnigramModel } from './model.ts';

/** A string the tokenizer maps to one id before SentencePiece sees the text (transformers AddedToken). */
export interface AddedToken {
  content: string;
  id: number;
  /** Eats the whitespace on its left (the text before it is right-stripped). */
  lstrip: boolean;
  /** Eats the whitespace on its right (the text after it is left-stripped). */
  rstrip: boolean;
}

/** T5Tokenizer's default number of sentinels `<extra_id_0>` … `<extra_id_99>`. */
export const T5_EXTRA_IDS = 100;

/**
 * The added tokens of transformers' slow T5Tokenizer over a spiece.model: the pad, eos and unk pieces as
 * themselves (no stripping), and `<extra_id_N>` at id pieces − 1 + extraIds − N, stripping both sides.
 */
export function t5AddedTokens(model: UnigramModel, extraIds = T5_EXTRA_IDS): AddedToken[] {
  const specials = [model.padId, model.eosId, model.unkId]
    .filter((id) => id >= 0)
    .map((id) => ({ content: model.pieces[id].piece, id, lstrip: false, rstrip: false }));
  const sentinels = Array.from({ length: extraIds }, (_, n) => ({
    content: `<extra_id_${n}>`,
    id: model.pieces.length - 1 + extraIds - n,
    lstrip: true,
    rstrip: true,
  }));
  return [...specials, ...sentinels];
}

/** A run of plain text, or one added token. */
export type Segment = { text: string } | { token: AddedToken };

/**
 * Splits `text` on the added tokens (leftmost match, longest first, as transformers' Trie.split), then
 * strips the whitespace each token eats from its neighbouring text (PreTrainedTokenizer.tokenize).
 */
export function splitAddedTokens(text: string, tokens: readonly AddedToken[]): Segment[] {
  const out: Segment[] = [];
  let plain = '';
  let at = 0;
  while (at < text.length) {
    const token = longestAt(text, at, tokens);
    if (!token) {
      plain += text[at++];
      continue;
    }
    if (plain) out.push({ text: plain });
    out.push({ token });
    plain = '';
    at += token.content.length;
  }
  if (plain) out.push({ text: plain });
  out.forEach((s, i) => {
    if (!('token' in s)) return;
    const before = out[i - 1];
    const after = out[i + 1];
    if (s.token.lstrip && before && 'text' in before) before.text = before.text.replace(TRAILING_SPACE, '');
    if (s.token.rstrip && after && 'text' in after) after.text = after.text.replace(LEADING_SPACE, '');
  });
  return out;
}

function longestAt(text: string, at: number, tokens: readonly AddedToken[]): AddedToken | undefined {
  let best: AddedToken | undefined;
  for (const t of tokens) {
    if (t.content.charCodeAt(0) !== text.charCodeAt(at)) continue;
    if (t.content && text.startsWith(t.content, at) && t.content.length > (best?.content.length ?? 0)) best = t;
  }
  return best;
}

// Python's str.isspace characters: transformers strips with str.lstrip()/rstrip().
const SPACE = '\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const LEADING_SPACE = new RegExp(`^[${SPACE}]+`);
const TRAILING_SPACE = new RegExp(`[${SPACE}]+$`);
