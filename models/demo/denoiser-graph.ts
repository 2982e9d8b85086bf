import { GraphBuilder, type SerializedModel } from '../onnx/graph.ts';
import { concat, scalar, sliceAxis } from '../onnx/nn.ts';
import type { PackLayer, TaskCondition } from '../pack/schema.ts';

/** The library as the denoiser graph holds it: bytes in the DiT's latent order, caption word vectors. */
export interface DenoiserTables {
  /** Actor colours, I × (k frames × D) bytes, D = C·h·w values per latent frame. */
  actorRgb: Uint8Array;
  /** Actor mattes repeated into the 3 colour channels, same layout. */
  actorAlpha: Uint8Array;
  /** Backdrop colours, J × (k × D) bytes. */
  backdropRgb: Uint8Array;
  /** Which caption words each actor / backdrop has: I × W and J × W zeros and ones. */
  actorWords: Float32Array;
  backdropWords: Float32Array;
}

/** What one task's denoiser graph computes (see index.ts for the maths). */
export interface DenoiserSpec {
  layerOrder: PackLayer[];
  /** Latent frames per layer (= pixel frames: temporal compression 1). */
  framesPerLayer: number;
  /** Latent frame shape [C, h, w]. */
  frameShape: [number, number, number];
  condition: TaskCondition;
  latentScale: number;
  /** Spread of the data around each library clip (0: the clips exactly). */
  variance: number;
  /** Variance the given (clean) condition frames are matched with. */
  conditionVariance: number;
  /** Prompt logit per matched caption word. */
  temperature: number;
  textTokensPerLayer: number;
  textHidden: number;
  /** Signal level per training timestep (signal-levels.ts). */
  levels: Float64Array;
  /** Where the library bytes go: to this external data file (shared by every task's graph). */
  externalDataName: string;
}

const TABLE_NAMES = ['demo.actor_rgb', 'demo.actor_alpha', 'demo.backdrop_rgb'] as const;

/**
 * The demo transformer: the real DiT's interface (`x`, `timesteps`, `context`, `motion_scale`,
 * `content_scale`, plus `cond_input` for splice tasks) → `out`, the v-prediction of the exact posterior
 * mean over the library's (actor, backdrop) pairs. The library bytes are the first initializers, so every
 * task's graph writes the same external data file.
 */
export function buildDemoDenoiser(spec: DenoiserSpec, tables: DenoiserTables): SerializedModel {
  const g = new GraphBuilder('demo_denoiser');
  const lib = libraryTensors(g, spec, tables);
  const io = declareInputs(g, spec);
  const seq = sequenceOf(spec);
  const signal = signalLevels(g, spec, seq, io.timesteps);
  const X = g.op('Reshape', [io.full, g.ints([0, seq.total, seq.frameSize])]);
  const Xu = g.op('Mul', [X, g.op('Unsqueeze', [signal.u, g.ints([2])])]);
  const logI = blockLogLik(g, Xu, signal.q, [0, seq.iFrames], lib.itemTable, seq.frameSize);
  const logJ = blockLogLik(g, Xu, signal.q, [seq.iFrames, seq.iFrames + seq.k], lib.backdrop, seq.frameSize);
  const logIJ = blendLogLik(g, Xu, signal.q, [seq.iFrames + seq.k, seq.total], lib, seq);
  const [scoreI, scoreJ] = promptScores(g, spec, io.context, tables);
  // each term is centred on its best value first: they run to ~1e6, and float32 sums of such numbers
  // would round away the small differences that decide between pairs sharing a clear winner
  const logW = g.op('Add', [
    g.op('Add', [
      g.op('Unsqueeze', [g.op('Add', [centred(g, logI, [1]), scoreI]), g.ints([2])]),
      centred(g, logIJ, [1, 2]),
    ]),
    g.op('Unsqueeze', [g.op('Add', [centred(g, logJ, [1]), scoreJ]), g.ints([1])]),
  ]);
  const pairs = lib.actors * lib.backdrops;
  const w = g.op('Reshape', [
    g.op('Softmax', [g.op('Reshape', [logW, g.ints([0, pairs])])], { axis: 1 }),
    g.ints([0, lib.actors, lib.backdrops]),
  ]);
  const mean = posteriorMean(g, w, lib, seq);
  const x0 = spec.variance > 0 ? shrinkToward(g, mean, X, signal) : mean;
  const out = vPrediction(g, spec, seq, io.x, keptFrames(g, x0, seq), signal.a);
  g.output(out, 'float32', ['batch', seq.total - seq.givenCount, ...spec.frameShape], 'out');
  const tableBytes = Math.min(tables.actorRgb.byteLength, tables.backdropRgb.byteLength);
  return g.serialize({ externalThresholdBytes: tableBytes, externalDataName: spec.externalDataName });
}

interface Sequence {
  k: number;
  frameSize: number;
  dup: boolean;
  /** Frames that depend on the actor only: [dup], foreground, [alpha]. */
  iFrames: number;
  total: number;
  /** Given frames [from, to) (splice tasks) and their count. */
  given: [number, number];
  givenCount: number;
}

/** The sequence the graph reasons over: [dup] fg [alpha] bg blend, k latent frames per layer. */
function sequenceOf(spec: DenoiserSpec): Sequence {
  const { layerOrder, framesPerLayer: k, condition } = spec;
  const actorLayers = layerOrder.filter((l) => l === 'foreground' || l === 'alpha');
  const expected = [...actorLayers, 'background', 'blend'];
  if (layerOrder[0] !== 'foreground' || layerOrder.join() !== expected.join()) {
    throw new Error(`demo denoiser: layer order ${layerOrder.join(', ')} is not [fg, (alpha), bg, blend]`);
  }
  if (condition.mode === 'fixed-frames') throw new Error('demo denoiser: conditions are spliced, not fixed frames');
  const dup = condition.duplicateFirstFrame;
  const total = (dup ? 1 : 0) + layerOrder.length * k;
  const given = condition.frames ?? [0, 0];
  if (given[1] > total) throw new Error(`demo denoiser: condition frames ${given} exceed the ${total}-frame sequence`);
  const frameSize = spec.frameShape.reduce((a, b) => a * b, 1);
  return {
    k,
    frameSize,
    dup,
    iFrames: (dup ? 1 : 0) + actorLayers.length * k,
    total,
    given,
    givenCount: given[1] - given[0],
  };
}

interface LibraryTensors {
  actors: number;
  backdrops: number;
  /** Actor-only frames of the sequence per actor, I × (iFrames·D): [dup], fg layer, [alpha layer]. */
  itemTable: string;
  /** Fg layer (actor over grey: α·colour in latent units) and 1 − α, I × kD. */
  fgLayer: string;
  clear: string;
  backdrop: string;
}

/** Library latents from the byte tables: latent = scale·(byte/127.5 − 1), as the VAE's encoding of a pixel. */
function libraryTensors(g: GraphBuilder, spec: DenoiserSpec, t: DenoiserTables): LibraryTensors {
  const kd = spec.framesPerLayer * spec.frameShape.reduce((a, b) => a * b, 1);
  const actors = t.actorRgb.length / kd;
  const backdrops = t.backdropRgb.length / kd;
  if (!Number.isInteger(actors) || !Number.isInteger(backdrops) || t.actorAlpha.length !== t.actorRgb.length) {
    throw new Error(`demo denoiser: library tables do not hold whole clips of ${kd} latent values`);
  }
  const [rgbU, alphaU, backU] = [t.actorRgb, t.actorAlpha, t.backdropRgb].map((data, i) =>
    g.init(TABLE_NAMES[i], data, [data.length / kd, kd], 'uint8'),
  );
  const s = spec.latentScale;
  const affine = (u8: string, mul: number, add: number) =>
    g.op('Add', [g.op('Mul', [g.op('Cast', [u8], { to: 1 }), g.const([mul])]), g.const([add])]);
  const alpha = affine(alphaU, 1 / 255, 0);
  const fgLayer = g.op('Mul', [alpha, affine(rgbU, s / 127.5, -s)]);
  const parts = [];
  if (spec.condition.duplicateFirstFrame) {
    parts.push(sliceAxis(g, fgLayer, 1, 0, kd / spec.framesPerLayer));
  }
  parts.push(fgLayer);
  if (spec.layerOrder.includes('alpha')) parts.push(affine(alphaU, (2 * s) / 255, -s));
  return {
    actors,
    backdrops,
    itemTable: concat(g, parts, 1),
    fgLayer,
    clear: g.op('Sub', [g.const([1]), alpha]),
    backdrop: affine(backU, s / 127.5, -s),
  };
}

interface Inputs {
  x: string;
  full: string;
  timesteps: string;
  context: string;
}

/** The DiT's inputs; splice tasks put `cond_input` back into the frame sequence at the given frames. */
function declareInputs(g: GraphBuilder, spec: DenoiserSpec): Inputs {
  const seq = sequenceOf(spec);
  const x = g.input('x', 'float32', ['batch', seq.total - seq.givenCount, ...spec.frameShape]);
  const timesteps = g.input('timesteps', 'float32', ['batch']);
  const prompts = spec.condition.prompts.length;
  const context = g.input('context', 'float32', ['batch', prompts * spec.textTokensPerLayer, spec.textHidden]);
  // the LoRA scales of the real DiT: a closed-form model has no LoRA, so they do not change the result
  g.input('motion_scale', 'float32', [1]);
  g.input('content_scale', 'float32', [1]);
  if (spec.condition.mode !== 'splice') return { x, full: x, timesteps, context };
  const cond = g.input('cond_input', 'float32', ['batch', seq.givenCount, ...spec.frameShape]);
  const [from] = seq.given;
  const parts = [];
  if (from > 0) parts.push(sliceFrames(g, x, 0, from));
  parts.push(cond);
  if (from < seq.total - seq.givenCount) parts.push(sliceFrames(g, x, from, seq.total - seq.givenCount));
  return { x, full: concat(g, parts, 1), timesteps, context };
}

/** v minus its maximum over `axes` (per batch row). */
function centred(g: GraphBuilder, v: string, axes: number[]): string {
  return g.op('Sub', [v, g.op('ReduceMax', [v], { axes, keepdims: 1 })]);
}

function sliceFrames(g: GraphBuilder, v: string, from: number, to: number): string {
  return sliceAxis(g, v, 1, from, to);
}

interface Signal {
  /** a [B] */
  a: string;
  /** Per frame [B, T]: a/tot and a²/(2·tot), where given frames have a = 1, tot = conditionVariance. */
  u: string;
  q: string;
  /** Per frame [B, T]: the shrinkage a·var/tot of noised frames (0 on given frames). */
  gain: string;
}

/** Signal level a = levels[timestep] and the per-frame weights of the Gaussian log-likelihood. */
function signalLevels(g: GraphBuilder, spec: DenoiserSpec, seq: Sequence, timesteps: string): Signal {
  const last = spec.levels.length - 1;
  const index = g.op('Cast', [g.op('Clip', [timesteps, scalar(g, 0, 'float32'), scalar(g, last, 'float32')])], {
    to: 7,
  });
  const a = g.op('Gather', [g.const(Float32Array.from(spec.levels)), index], { axis: 0 });
  const given = new Float32Array(seq.total);
  given.fill(1, seq.given[0], seq.given[1]);
  const noised = given.map((v) => 1 - v);
  const [gm, nm] = [g.const(given), g.const(noised)];
  const a2 = g.op('Unsqueeze', [a, g.ints([1])]);
  const aa = g.op('Mul', [a2, a2]);
  const tot = g.op('Add', [g.op('Mul', [aa, g.const([spec.variance - 1])]), g.const([1])]);
  const A = g.op('Add', [g.op('Mul', [a2, nm]), gm]);
  const TOT = g.op('Add', [g.op('Mul', [tot, nm]), g.op('Mul', [g.const([spec.conditionVariance]), gm])]);
  const u = g.op('Div', [A, TOT]);
  const q = g.op('Mul', [g.op('Mul', [A, u]), g.const([0.5])]);
  const gain = g.op('Mul', [g.op('Div', [g.op('Mul', [a2, g.const([spec.variance])]), tot]), nm]);
  return { a, u, q, gain };
}

/** Σ_f u_f x_f·m_f − q_f |m_f|² over frames [from, to) for every row of `table` (rows × (to−from)·D): [B, rows]. */
function blockLogLik(g: GraphBuilder, Xu: string, q: string, [from, to]: number[], table: string, d: number): string {
  const n = to - from;
  const xs = g.op('Reshape', [sliceFrames(g, Xu, from, to), g.ints([0, n * d])]);
  const dot = g.op('Gemm', [xs, table], { transB: 1 });
  const norms = g.op('ReduceSumSquare', [g.op('Reshape', [table, g.ints([0, n, d])])], { axes: [2], keepdims: 0 });
  const qs = sliceAxis(g, q, 1, from, to);
  return g.op('Sub', [dot, g.op('MatMul', [qs, g.op('Transpose', [norms])])]);
}

/**
 * The blend frames' log-likelihood for every pair [B, I, J]: their mean is fg_i + (1 − α_i)·bg_j, so the
 * dot products and per-frame norms factor through (I × kD)·(kD × J) products, never an I·J table of clips.
 */
function blendLogLik(
  g: GraphBuilder,
  Xu: string,
  q: string,
  [from, to]: number[],
  lib: LibraryTensors,
  seq: Sequence,
): string {
  const { k, frameSize: d } = seq;
  const xs = g.op('Reshape', [sliceFrames(g, Xu, from, to), g.ints([0, k * d])]);
  const withFg = g.op('Unsqueeze', [g.op('Gemm', [xs, lib.fgLayer], { transB: 1 }), g.ints([2])]);
  const seen = g.op('Mul', [g.op('Unsqueeze', [xs, g.ints([1])]), lib.clear]);
  const withBg = g.op('MatMul', [seen, g.op('Transpose', [lib.backdrop])]);
  const perFrame = (v: string, rows: number) =>
    g.op('Transpose', [g.op('Reshape', [v, g.ints([rows, k, d])])], { perm: [1, 0, 2] });
  const fg = perFrame(lib.fgLayer, lib.actors);
  const clear = perFrame(lib.clear, lib.actors);
  const bgT = g.op('Transpose', [g.op('Reshape', [lib.backdrop, g.ints([lib.backdrops, k, d])])], { perm: [1, 2, 0] });
  // |fg + c·bg|² = |fg|² + 2 (fg·c)·bg + c²·bg² per frame: [k, I, J]
  const cross = g.op('MatMul', [g.op('Mul', [fg, clear]), bgT]);
  const square = g.op('MatMul', [g.op('Mul', [clear, clear]), g.op('Mul', [bgT, bgT])]);
  const fgNorm = g.op('ReduceSumSquare', [fg], { axes: [2], keepdims: 1 });
  const norms = g.op('Add', [g.op('Add', [fgNorm, g.op('Mul', [cross, g.const([2])])]), square]);
  const pairs = lib.actors * lib.backdrops;
  const qs = sliceAxis(g, q, 1, from, to);
  const normTerm = g.op('Reshape', [
    g.op('MatMul', [qs, g.op('Reshape', [norms, g.ints([k, pairs])])]),
    g.ints([0, lib.actors, lib.backdrops]),
  ]);
  return g.op('Sub', [g.op('Add', [withFg, withBg]), normTerm]);
}

/**
 * Prompt logits per actor [B, I] and backdrop [B, J]: temperature × caption words each layer's prompt
 * names (its 226 positions summed to a bag of words, each word counted once). The foreground prompt scores
 * actors, the background prompt backdrops, the blend prompt both. Zero context (the unconditional row)
 * gives zero logits: a uniform prior, so guidance pulls toward the prompts.
 */
function promptScores(g: GraphBuilder, spec: DenoiserSpec, context: string, t: DenoiserTables): [string, string] {
  const prompts = spec.condition.prompts;
  const w = spec.textHidden;
  const perPrompt = g.op('Reshape', [context, g.ints([0, prompts.length, spec.textTokensPerLayer, w])]);
  const bags = g.op('Clip', [
    g.op('ReduceSum', [perPrompt, g.ints([2])], { keepdims: 0 }),
    scalar(g, 0, 'float32'),
    scalar(g, 1, 'float32'),
  ]);
  const score = (layer: PackLayer, words: Float32Array) => {
    const pick = Float32Array.from(prompts, (p) => (p === layer || p === 'blend' ? spec.temperature : 0));
    const bag = g.op('ReduceSum', [g.op('Mul', [bags, g.const(pick, [1, prompts.length, 1])]), g.ints([1])], {
      keepdims: 0,
    });
    return g.op('MatMul', [bag, g.const(transpose(words, w), [w, words.length / w])]);
  };
  return [score('foreground', t.actorWords), score('background', t.backdropWords)];
}

function transpose(m: Float32Array, cols: number): Float32Array {
  const rows = m.length / cols;
  const out = new Float32Array(m.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = m[r * cols + c];
  return out;
}

/** Σ_ij w_ij m_ij over the whole sequence [B, T, D], layer by layer. */
function posteriorMean(g: GraphBuilder, w: string, lib: LibraryTensors, seq: Sequence): string {
  const { k, frameSize: d } = seq;
  const wI = g.op('ReduceSum', [w, g.ints([2])], { keepdims: 0 });
  const wJ = g.op('ReduceSum', [w, g.ints([1])], { keepdims: 0 });
  const actorPart = g.op('MatMul', [wI, lib.itemTable]);
  const backdropPart = g.op('MatMul', [wJ, lib.backdrop]);
  const behind = g.op('ReduceSum', [g.op('Mul', [g.op('MatMul', [w, lib.backdrop]), lib.clear]), g.ints([1])], {
    keepdims: 0,
  });
  const blendPart = g.op('Add', [g.op('MatMul', [wI, lib.fgLayer]), behind]);
  const frames = (v: string, n: number) => g.op('Reshape', [v, g.ints([0, n, d])]);
  return g.op('Concat', [frames(actorPart, seq.iFrames), frames(backdropPart, k), frames(blendPart, k)], { axis: 1 });
}

/** x0 = mean + gain·(x − a·mean) per frame: the Gaussian components' own posterior when variance > 0. */
function shrinkToward(g: GraphBuilder, mean: string, X: string, signal: Signal): string {
  const a = g.op('Unsqueeze', [signal.a, g.ints([1, 2])]);
  const gain = g.op('Unsqueeze', [signal.gain, g.ints([2])]);
  return g.op('Add', [mean, g.op('Mul', [gain, g.op('Sub', [X, g.op('Mul', [a, mean])])])]);
}

/** The frames the DiT returns: all but the spliced-in condition. */
function keptFrames(g: GraphBuilder, x0: string, seq: Sequence): string {
  const [from, to] = seq.given;
  if (seq.givenCount === 0) return x0;
  const parts = [];
  if (from > 0) parts.push(sliceFrames(g, x0, 0, from));
  if (to < seq.total) parts.push(sliceFrames(g, x0, to, seq.total));
  return concat(g, parts, 1);
}

/** v = (a·x − x0)/sqrt(1 − a²), the v-prediction VideoScaling turns back into x0. */
function vPrediction(g: GraphBuilder, spec: DenoiserSpec, seq: Sequence, x: string, x0: string, a: string): string {
  const shaped = g.op('Reshape', [x0, g.ints([0, seq.total - seq.givenCount, ...spec.frameShape])]);
  const a5 = g.op('Reshape', [a, g.ints([-1, 1, 1, 1, 1])]);
  const s5 = g.op('Sqrt', [g.op('Sub', [g.const([1]), g.op('Mul', [a5, a5])])]);
  return g.op('Div', [g.op('Sub', [g.op('Mul', [a5, x]), shaped]), s5]);
}
