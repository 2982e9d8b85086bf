import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { T5_EXTRA_IDS, type T5Tokenizer } from '../tokenizer/index.ts';
import { WeightFileError } from '../weights/file-error.ts';
import { readJson } from './read-json.ts';

const Token = z.union([z.string(), z.looseObject({ content: z.string() })]);
const content = (t: z.infer<typeof Token>) => (typeof t === 'string' ? t : t.content);

const TokenizerConfigSchema = z.looseObject({
  legacy: z.boolean().nullable().optional(),
  extra_ids: z.number().int().nonnegative().optional(),
  added_tokens_decoder: z
    .record(
      z.string(),
      z.looseObject({ content: z.string(), lstrip: z.boolean().default(false), rstrip: z.boolean().default(false) }),
    )
    .optional(),
});
const SpecialTokensSchema = z.looseObject({
  eos_token: Token.optional(),
  pad_token: Token.optional(),
  unk_token: Token.optional(),
});
const AddedTokensSchema = z.record(z.string(), z.number().int());

/**
 * Checks that the folder's tokenizer_config.json, added_tokens.json and special_tokens_map.json (each
 * optional) describe what the pack's tokenizer does with spiece.model alone: transformers' slow
 * T5Tokenizer in legacy mode with 100 sentinels and the default added tokens. Returns the files read.
 */
export function checkTokenizerConfig(dir: string, tokenizer: T5Tokenizer): string[] {
  const read: string[] = [];
  const open = <T>(name: string, schema: z.ZodType<T>): { file: string; value: T } | undefined => {
    const file = join(dir, name);
    if (!existsSync(file)) return undefined;
    const parsed = schema.safeParse(readJson(file, 'tokenizer settings'));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new WeightFileError('bad-file', file, `${file}: ${issue.path.join('.')}: ${issue.message}`);
    }
    read.push(file);
    return { file, value: parsed.data };
  };
  const byId = new Map(tokenizer.addedTokens.map((t) => [t.id, t]));
  const byContent = new Map(tokenizer.addedTokens.map((t) => [t.content, t]));

  const config = open('tokenizer_config.json', TokenizerConfigSchema);
  if (config) {
    const { file, value } = config;
    if (value.legacy === false) refuse(file, 'legacy', 'legacy: false (non-legacy T5 tokenization) is not supported');
    if ((value.extra_ids ?? T5_EXTRA_IDS) !== T5_EXTRA_IDS) {
      refuse(file, 'extra_ids', `extra_ids ${value.extra_ids}: the T5 tokenizer has ${T5_EXTRA_IDS} sentinels`);
    }
    for (const [id, t] of Object.entries(value.added_tokens_decoder ?? {})) {
      const ours = byId.get(Number(id));
      if (!ours || ours.content !== t.content || ours.lstrip !== t.lstrip || ours.rstrip !== t.rstrip) {
        refuse(file, `added_tokens_decoder.${id}`, `added token ${id} ${JSON.stringify(t)} is not T5's default`);
      }
    }
  }
  const added = open('added_tokens.json', AddedTokensSchema);
  for (const [text, id] of Object.entries(added?.value ?? {})) {
    if (byContent.get(text)?.id !== id) refuse(added?.file ?? dir, text, `${text} → ${id} is not T5's default id`);
  }
  const specials = open('special_tokens_map.json', SpecialTokensSchema);
  const { eosId, padId, unkId, pieces } = tokenizer.model;
  const want = { eos_token: eosId, pad_token: padId, unk_token: unkId } as const;
  for (const [field, id] of Object.entries(want)) {
    const given = specials?.value[field as keyof typeof want];
    if (given !== undefined && content(given) !== pieces[id]?.piece) {
      refuse(specials?.file ?? dir, field, `${field} ${content(given)} is not piece ${id} of spiece.model`);
    }
  }
  return read;
}

function refuse(file: string, key: string, why: string): never {
  throw new WeightFileError('unsupported-tokenizer', file, `${file}: ${key}: ${why}`, key);
}
