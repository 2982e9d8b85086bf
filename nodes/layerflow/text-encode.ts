import { z } from 'zod';
import { defineNode } from '../../graph-engine/spec.ts';
import type { ModelPack } from '../../models/pack/read.ts';
import { runSession } from '../../models/session/run.ts';
import { useSession } from '../../models/session/sessions.ts';
import { loadTokenizer, type T5Tokenizer } from '../../models/tokenizer/index.ts';
import { LayerflowError } from './errors.ts';
import type { LayerTextValue } from './layer-prompts.ts';
import { handleOf, type LayerConditioningValue, type PackHandle } from './values.ts';

const tokenizers = new Map<string, T5Tokenizer>();

/** The pack's tokenizer, loaded once per file version (its sha256). */
export function tokenizerOf(pack: ModelPack): T5Tokenizer {
  const file = packFile(pack, 'tokenizer');
  const key = `${file.abs}\0${file.sha256}`;
  let tokenizer = tokenizers.get(key);
  if (!tokenizer) {
    tokenizer = loadTokenizer(file.abs);
    tokenizers.set(key, tokenizer);
  }
  return tokenizer;
}

/** A file of the pack by role, or an error saying the pack lacks it. */
export function packFile(pack: ModelPack, role: string) {
  const file = pack.files[role];
  if (!file) throw new LayerflowError('bad-pack', `model pack ${pack.manifest.name} has no ${role} file`);
  return file;
}

/** T5 features [texts, tokens, hidden] of fixed-length prompts (226 tokens each in LayerFlow). */
async function encodeTexts(pack: ModelPack, texts: string[]): Promise<Float32Array> {
  const { textTokensPerLayer: tokens, textHidden } = pack.config;
  const encoding = tokenizerOf(pack).encode(texts, tokens);
  const out = await useSession(packFile(pack, 'textEncoder').abs, (session) => {
    // The reference calls T5 with input_ids only, so padding takes part in attention: a graph that takes a
    // mask (a third-party export) gets all ones, never the tokenizer's padding mask.
    const wantsMask = session.ort.inputNames.includes('attention_mask');
    return runSession(session, {
      input_ids: { dims: encoding.dims, data: encoding.ids },
      ...(wantsMask
        ? { attention_mask: { dims: encoding.dims, data: new BigInt64Array(encoding.ids.length).fill(1n) } }
        : {}),
    });
  });
  const hidden = out.last_hidden_state;
  if (!hidden) throw new LayerflowError('bad-pack', 'the text encoder has no last_hidden_state output');
  const want = [texts.length, tokens, textHidden];
  if (hidden.dims.join(',') !== want.join(',')) {
    throw new LayerflowError(
      'shape-mismatch',
      `the text encoder gave [${hidden.dims.join(', ')}], the pack config implies [${want.join(', ')}]`,
    );
  }
  return hidden.data as Float32Array;
}

/**
 * Each layer's prompt through the pack's tokenizer and T5 encoder (cond rows); the unconditional rows are
 * zeros when the negative prompt is empty, as the reference samples (force_uc_zero_embeddings), else the
 * negative prompt encoded with each layer's index prefix.
 */
export async function encodeLayerText(pack: ModelPack, text: LayerTextValue): Promise<LayerConditioningValue> {
  const cond = await encodeTexts(pack, text.prompts);
  const negative = text.negative.trim();
  const uncond = negative
    ? await encodeTexts(
        pack,
        text.layers.map((_, i) => `${i}, ${negative}`),
      )
    : new Float32Array(cond.length);
  return {
    layers: [...text.layers],
    tokens: pack.config.textTokensPerLayer,
    hidden: pack.config.textHidden,
    cond,
    uncond,
    uncondIsZero: !negative,
  };
}

export const textEncode = defineNode({
  type: 'layerflow.text-encode',
  version: 1,
  category: 'LayerFlow',
  title: 'Text Encode + Layer Embedding',
  docs:
    'Encodes each layer prompt (foreground, background, blended scene, already prefixed "i, " by Layer ' +
    'Prompts) with the pack tokenizer and T5 encoder: one [226, hidden] block per layer, for the ' +
    "conditional rows. Tokens as the reference's T5Tokenizer gives them: at most 225 plus </s>, padded to " +
    '226 (the padding takes part in attention, as in the reference); </s>, <pad>, <unk> and <extra_id_N> ' +
    'typed in a prompt become those tokens. The unconditional rows are zeros when the negative prompt is ' +
    'empty, exactly as the reference samples; otherwise the negative prompt, encoded once per layer. The ' +
    'learned layer embedding (Linear(1 → width) + LayerNorm of the layer index) is not added here: like ' +
    "the reference's position-embedding mixin, the transformer adds it to all 226 text rows of each layer, " +
    'in both rows.',
  purity: 'pure',
  inputs: {
    textEncoder: { type: { kind: 'TextEncoder' } },
    text: { type: { kind: 'LayerText' }, docs: 'Layer prompts and the negative prompt.' },
  },
  outputs: {
    conditioning: { type: { kind: 'LayerConditioning' }, docs: 'Per-layer T5 features, cond and uncond rows.' },
  },
  params: z.object({}),
  infer(inputs) {
    const enc = inputs.textEncoder;
    return {
      outputs: {
        conditioning: {
          kind: 'LayerConditioning',
          ...(inputs.text?.layers ? { layers: inputs.text.layers } : {}),
          ...(enc?.tokens !== undefined ? { tokens: enc.tokens } : {}),
          ...(enc?.hidden !== undefined ? { hidden: enc.hidden } : {}),
        },
      },
    };
  },
  async run(inputs) {
    const { pack } = handleOf<PackHandle>(inputs.textEncoder, 'textEncoder');
    const text = inputs.text as LayerTextValue;
    return { conditioning: await encodeLayerText(pack, text) };
  },
});
