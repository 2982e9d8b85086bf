/**
 * `node --import tsx bench/vae-conv.ts [channels] [frames] [height] [width] [reps]`: one causal VAE
 * convolution (time kernel 3, 3×3 space, input already padded in time) written the ways ONNX Runtime could
 * run it on CPU, 1 thread, same weights: a Conv3D; three Conv2Ds over shifted frames with time folded
 * into the batch axis, summed; and one Conv2D over the three shifted frames stacked on the channel axis.
 * Prints the best and median ms of each and the largest difference from the Conv3D. A dev tool: it chose the
 * decoder's layout (models/vae/layers.ts).
 */
import ort from 'onnxruntime-node';
import { GraphBuilder } from '../models/onnx/graph.ts';
import { mulberry32, uniformArray } from '../models/random.ts';
import { summarize } from './stats.ts';

const [C = 128, T = 9, H = 32, W = 48, reps = 5] = process.argv.slice(2).map(Number);
const weight = uniformArray(mulberry32(1), C * C * 27, -0.05, 0.05);
const bias = uniformArray(mulberry32(2), C, -0.1, 0.1);
const x = uniformArray(mulberry32(3), C * (T + 2) * H * W, -1, 1);

/** [Co, Ci, 3, 3, 3] → the [Co, Ci, 3, 3] slice at time tap `k`. */
function tap(k: number): Float32Array {
  const out = new Float32Array(C * C * 9);
  for (let oc = 0; oc < C * C; oc++) out.set(weight.subarray(oc * 27 + k * 9, oc * 27 + k * 9 + 9), oc * 9);
  return out;
}

/** [Co, Ci, 3, 3, 3] → [Co, 3·Ci, 3, 3] with the time tap outermost in the input channels. */
function stacked(): Float32Array {
  const out = new Float32Array(C * 3 * C * 9);
  for (let o = 0; o < C; o++)
    for (let k = 0; k < 3; k++)
      for (let i = 0; i < C; i++) {
        const src = (o * C + i) * 27 + k * 9;
        out.set(weight.subarray(src, src + 9), ((o * 3 + k) * C + i) * 9);
      }
  return out;
}

function conv3d(): GraphBuilder {
  const g = new GraphBuilder('conv3d');
  const inp = g.input('x', 'float32', [1, C, T + 2, H, W]);
  const w = g.init('w', weight, [C, C, 3, 3, 3]);
  const b = g.init('b', bias, [C]);
  g.output(g.op('Conv', [inp, w, b], { pads: [0, 1, 1, 0, 1, 1] }), 'float32', undefined, 'y');
  return g;
}

/** Input [T + 2, C, H, W] (frames as batch). */
function sum2d(): GraphBuilder {
  const g = new GraphBuilder('sum2d');
  const inp = g.input('x', 'float32', [T + 2, C, H, W]);
  let y = '';
  for (let k = 0; k < 3; k++) {
    const frames = g.op('Slice', [inp, g.ints([k]), g.ints([k + T]), g.ints([0])]);
    const wk = g.init(`w${k}`, tap(k), [C, C, 3, 3]);
    const inputs = k === 2 ? [frames, wk, g.init('b', bias, [C])] : [frames, wk];
    const part = g.op('Conv', inputs, { pads: [1, 1, 1, 1] });
    y = y ? g.op('Add', [y, part]) : part;
  }
  g.output(y, 'float32', undefined, 'y');
  return g;
}

function stack2d(): GraphBuilder {
  const g = new GraphBuilder('stack2d');
  const inp = g.input('x', 'float32', [T + 2, C, H, W]);
  const shifted = [0, 1, 2].map((k) => g.op('Slice', [inp, g.ints([k]), g.ints([k + T]), g.ints([0])]));
  const w = g.init('w', stacked(), [C, 3 * C, 3, 3]);
  const y = g.op('Conv', [g.op('Concat', shifted, { axis: 1 }), w, g.init('b', bias, [C])], { pads: [1, 1, 1, 1] });
  g.output(y, 'float32', undefined, 'y');
  return g;
}

/** x [1, C, T+2, H, W] as [T+2, C, H, W]. */
function framesMajor(): Float32Array {
  const out = new Float32Array(x.length);
  const hw = H * W;
  for (let c = 0; c < C; c++)
    for (let t = 0; t < T + 2; t++)
      out.set(x.subarray((c * (T + 2) + t) * hw, (c * (T + 2) + t + 1) * hw), (t * C + c) * hw);
  return out;
}

/** y [T, C, H, W] as [C, T, H, W]. */
function channelsMajor(y: Float32Array): Float32Array {
  const out = new Float32Array(y.length);
  const hw = H * W;
  for (let t = 0; t < T; t++)
    for (let c = 0; c < C; c++) out.set(y.subarray((t * C + c) * hw, (t * C + c + 1) * hw), (c * T + t) * hw);
  return out;
}

const session = (g: GraphBuilder) =>
  ort.InferenceSession.create(g.serialize().model, { intraOpNumThreads: 1, enableCpuMemArena: false });

const flops = 2 * C * C * 27 * T * H * W;
const variants = [
  { name: 'conv3d', s: await session(conv3d()), x: new ort.Tensor('float32', x, [1, C, T + 2, H, W]) },
  { name: 'sum2d', s: await session(sum2d()), x: new ort.Tensor('float32', framesMajor(), [T + 2, C, H, W]) },
  { name: 'stack2d', s: await session(stack2d()), x: new ort.Tensor('float32', framesMajor(), [T + 2, C, H, W]) },
];
// Interleaved, best of `reps`: the machine is shared, and the fastest run is the least disturbed one.
const ms = variants.map(() => [] as number[]);
const ys: Float32Array[] = [];
for (let r = 0; r <= reps; r++) {
  for (const [i, v] of variants.entries()) {
    const t0 = performance.now();
    const y = (await v.s.run({ x: v.x })).y.data as Float32Array;
    if (r > 0) ms[i].push(performance.now() - t0);
    ys[i] = i === 0 ? y : channelsMajor(y);
  }
}
console.log(`C ${C}, T ${T}, ${H}×${W}, 1 thread, best and median of ${reps}`);
for (const [i, v] of variants.entries()) {
  const s = summarize(ms[i]);
  const diff = ys[i].reduce((m, val, j) => Math.max(m, Math.abs(val - ys[0][j])), 0);
  const rate = (flops / s.min / 1e6).toFixed(1);
  console.log(
    `${v.name.padEnd(8)} ${s.min.toFixed(1)} ms (median ${s.median.toFixed(1)})  ${rate} GFLOP/s  max |Δ| ${diff.toExponential(1)}`,
  );
}
