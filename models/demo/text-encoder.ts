import { GraphBuilder } from '../onnx/graph.ts';
import type { DemoVocab } from './vocab.ts';

/**
 * The demo text encoder, with T5's interface: `input_ids` [B, tokens] int64 → `last_hidden_state`
 * [B, tokens, W]: each caption-word token becomes that word's one-hot vector, every other token (pad, eos,
 * filler words, the "i, " layer prefix) zero. The denoiser sums a layer's tokens into a bag of words.
 */
export function buildDemoTextEncoder(vocab: DemoVocab, tokens: number): Uint8Array {
  const w = vocab.words.length;
  const table = new Float32Array(vocab.hidden.length * w);
  vocab.hidden.forEach((word, id) => {
    if (word >= 0) table[id * w + word] = 1;
  });
  const g = new GraphBuilder('demo_text_encoder');
  const ids = g.input('input_ids', 'int64', ['batch', tokens]);
  const hidden = g.op('Gather', [g.const(table, [vocab.hidden.length, w]), ids], { axis: 0 });
  g.output(hidden, 'float32', ['batch', tokens, w], 'last_hidden_state');
  return g.serialize().model;
}
