import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { runSession } from '../../../models/session/run.ts';
import { getSession } from '../../../models/session/sessions.ts';
import { loadTokenizer } from '../../../models/tokenizer/index.ts';
import { layerPrompts } from '../../../nodes/layerflow/layer-prompts.ts';
import { textEncode } from '../../../nodes/layerflow/text-encode.ts';
import type { LayerConditioningValue } from '../../../nodes/layerflow/values.ts';
import { handles, runNode } from './harness.ts';

/** The demo vocabulary's words, in the order of the one-hot text features. */
function demoWords(file: string): string[] {
  const json = JSON.parse(readFileSync(file, 'utf8')) as { model: { vocab: [string, number][] } };
  return json.model.vocab.map(([piece]) => piece);
}

async function encode(pack: string, prompts: Record<string, string>) {
  const h = await handles(pack);
  const { text } = await runNode(layerPrompts, {}, { foreground: 'x', background: 'y', blend: 'z', ...prompts });
  const { conditioning } = await runNode(textEncode, { textEncoder: h.textEncoder, text });
  return { h, c: conditioning as LayerConditioningValue };
}

describe('layerflow.text-encode', () => {
  it('tokenizes the demo tokenizer.json exactly as the pack’s T5 conventions say (▁words, </s>, pads)', async () => {
    const h = await handles('demo-rgba');
    const file = h.textEncoder.pack.files.tokenizer.abs;
    const vocab = new Map(demoWords(file).map((p, i) => [p, i]));
    const { ids } = loadTokenizer(file).encode(['2, a red circle moving right over a sunset gradient'], 226);
    const words = ['▁2', ',', '▁a', '▁red', '▁circle', '▁moving', '▁right', '▁over', '▁a', '▁sunset', '▁gradient'];
    const want = [...words.map((w) => vocab.get(w) as number), 1, ...new Array(226 - words.length - 1).fill(0)];
    assert.deepEqual([...ids].map(Number), want);
  });

  it('gives one [226, hidden] block per layer; a layer’s prompt shows only in its own block', async () => {
    const { h, c } = await encode('demo-rgba', { foreground: 'red circle', background: 'ocean waves', blend: 'sand' });
    const { textHidden } = h.textEncoder.pack.config;
    assert.deepEqual([c.layers, c.tokens, c.hidden], [['foreground', 'background', 'blend'], 226, textHidden]);
    assert.equal(c.cond.length, 3 * 226 * textHidden);
    // The demo encoder maps each caption word to a one-hot vector (other tokens to zero): count the words per block.
    const block = 226 * textHidden;
    const present = (layer: number) => {
      const sums = new Float32Array(textHidden);
      for (let i = 0; i < block; i++) sums[i % textHidden] += c.cond[layer * block + i];
      return [...sums].map((v, k) => (v > 0.5 ? k : -1)).filter((k) => k >= 0).length;
    };
    assert.equal(present(0), 2, 'red, circle');
    assert.equal(present(1), 2, 'ocean, waves');
    assert.equal(present(2), 1, 'sand');
  });

  it('unconditional rows are exactly zero, not T5(""), on a T5 that maps "" far from zero (tiny pack)', async () => {
    const h = await handles('tiny-rgba');
    const { files, config } = h.textEncoder.pack;
    // The guard must be able to fail: this pack's encoder gives T5("") and T5("i, ") far from zero.
    const empties = ['', '0, ', '1, ', '2, '];
    const { ids, dims } = loadTokenizer(files.tokenizer.abs).encode(empties, config.textTokensPerLayer);
    const session = await getSession(files.textEncoder.abs);
    const { last_hidden_state: t5OfEmpty } = await runSession(session, { input_ids: { dims, data: ids } });
    const block = config.textTokensPerLayer * config.textHidden;
    const data = t5OfEmpty.data as Float32Array;
    for (let i = 0; i < empties.length; i++) {
      const peak = data.subarray(i * block, (i + 1) * block).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      assert.ok(peak > 0.1, `T5(${JSON.stringify(empties[i])}) peaks at ${peak}`);
    }
    for (const negative of ['', '  \t ']) {
      const { c } = await encode('tiny-rgba', { negative });
      assert.equal(c.uncondIsZero, true);
      assert.equal(c.uncond.length, c.cond.length);
      assert.ok(
        c.uncond.every((v) => v === 0),
        `negative ${JSON.stringify(negative)}: uncond rows must be zeros`,
      );
      assert.ok(c.cond.some((v) => v !== 0));
    }
  });

  it('a negative prompt is encoded per layer with that layer’s index prefix', async () => {
    const { c } = await encode('demo-rgba', { negative: 'blue square' });
    const { c: asPrompts } = await encode('demo-rgba', {
      foreground: 'blue square',
      background: 'blue square',
      blend: 'blue square',
    });
    assert.equal(c.uncondIsZero, false);
    assert.deepEqual(c.uncond, asPrompts.cond);
  });

  it('runs the tiny pack’s T5 encoder on its SentencePiece tokenizer', async () => {
    const { h, c } = await encode('tiny-rgba', { foreground: 'a red circle' });
    assert.equal(c.cond.length, 3 * 226 * h.textEncoder.pack.config.textHidden);
    assert.ok(c.cond.some((v) => v !== 0) && c.cond.every(Number.isFinite));
  });

  it('infers the conditioning’s layers and token shape from its inputs', () => {
    const { outputs } = textEncode.infer?.(
      {
        textEncoder: { kind: 'TextEncoder', tokens: 226, hidden: 31 },
        text: { kind: 'LayerText', layers: ['foreground', 'background', 'blend'] },
      },
      {},
    ) ?? { outputs: {} };
    assert.deepEqual(outputs.conditioning, {
      kind: 'LayerConditioning',
      layers: ['foreground', 'background', 'blend'],
      tokens: 226,
      hidden: 31,
    });
  });
});
