// Child process for dit.test.ts: runs one fused attention over `tokens` tokens and prints its peak RSS.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../../models/onnx/graph.ts';
import { attention } from '../../models/onnx/nn.ts';
import { mulberry32, uniformArray } from '../../models/random.ts';

const [tokens, heads, headDim] = process.argv.slice(2).map(Number);
const width = heads * headDim;
const g = new GraphBuilder('attention');
const [q, k, v] = ['q', 'k', 'v'].map((n) => g.input(n, 'float32', [1, tokens, width]));
g.output(attention(g, q, k, v, heads), 'float32', [1, tokens, width], 'out');
const session = await ort.InferenceSession.create(g.serialize().model, { intraOpNumThreads: 2 });
const next = mulberry32(7);
const feed = () => new ort.Tensor('float32', uniformArray(next, tokens * width, -1, 1), [1, tokens, width]);
const { out } = await session.run({ q: feed(), k: feed(), v: feed() });
const peakKb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);
console.log(
  JSON.stringify({
    peakBytes: peakKb * 1024,
    outLength: out.data.length,
    finite: Number.isFinite((out.data as Float32Array)[0]),
  }),
);
