import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDit } from '../models/dit/build.ts';
import { type DitConfig, ditDims } from '../models/dit/config.ts';
import { randomDitWeights } from '../models/dit/random-weights.ts';
import { GraphBuilder } from '../models/onnx/graph.ts';
import { mulberry32, uniformArray } from '../models/random.ts';
import { runSession, type Tensor } from '../models/session/run.ts';
import { getSession, release } from '../models/session/sessions.ts';
import { TINY, tinyDitConfig, tinyPackConfig } from '../models/tiny/config.ts';
import { type Figure, type FigureId, figure, loadNow, withLoad } from './figure.ts';
import { midDitConfig } from './mid-pack.ts';
import { round, summarize, timeRuns } from './stats.ts';

/**
 * The tiny pack's DiT (width 64, 2 layers, 4 heads, RGBA generate: 4 layers × 2 latent frames, 3 prompts)
 * at 256×384 px instead of 32×48: 16×24 patches per latent frame, 3072 video + 678 text tokens.
 */
const LATENT = { height: 32, width: 48 };
/** Square GEMM sizes tried for the machine's rate; the best one counts. */
const GEMM_SIZES = [512, 1024, 2048];
/** MatMuls chained in one GEMM graph, so one run is long enough that call overhead vanishes. */
export const GEMM_CHAIN = 4;

/**
 * Multiply-add FLOPs (2 per MAC) of one DiT forward, by kind, of the graph the sampler runs by default (LoRA
 * pairs merged or left out); elementwise ops and norms are not counted.
 */
export function ditForwardFlops(c: DitConfig, batch = 1): { linear: number; attention: number; total: number } {
  const { videoTokens: v, text: t, hidden: d } = ditDims(c);
  const s = v + t;
  const te = c.time_embed_dim;
  const mm = (rows: number, inner: number, cols: number) => 2 * rows * inner * cols;
  let linear = mm(1, d, te) + mm(1, te, te); // time embedding
  linear += mm(t, 1, d) + mm(t, c.text_hidden_size, d); // layer embedding, text projection
  linear += mm(v, c.in_channels * c.patch_size ** 2, d); // patch embedding (a strided Conv)
  let attention = 0;
  for (let i = 0; i < c.num_layers; i++) {
    linear += mm(1, te, 12 * d); // adaLN modulations
    linear += mm(s, d, 3 * d);
    linear += mm(s, d, d);
    linear += mm(s, d, 4 * d) + mm(s, 4 * d, d);
    attention += mm(s, d, s) + mm(s, s, d); // q·kᵀ and softmax·v over all heads
  }
  linear += mm(1, te, 2 * d) + mm(v, d, c.patch_size ** 2 * c.out_channels); // final layer
  return { linear: linear * batch, attention: attention * batch, total: (linear + attention) * batch };
}

/** The tiny pack's generate-task DiT config, widened to a realistic token count. */
export function benchDitConfig(): DitConfig {
  const base = tinyDitConfig(tinyPackConfig('rgba'), 'generate');
  return { ...base, latent_height: LATENT.height, latent_width: LATENT.width };
}

function randomTensor(dims: number[], seed: number, lo = -1, hi = 1): Tensor {
  const n = dims.reduce((a, b) => a * b, 1);
  return { dims, data: uniformArray(mulberry32(seed), n, lo, hi) };
}

/** A graph of GEMM_CHAIN square MatMuls x·W₁·W₂…, weights scaled so values stay O(1). */
export function gemmGraph(n: number): GraphBuilder {
  const g = new GraphBuilder(`gemm_${n}`);
  let x = g.input('x', 'float32', [n, n]);
  const bound = Math.sqrt(3 / n);
  for (let i = 0; i < GEMM_CHAIN; i++) {
    const w = g.init(`w${i}`, uniformArray(mulberry32(7 + i), n * n, -bound, bound), [n, n]);
    x = g.op('MatMul', [x, w]);
  }
  g.output(x, 'float32', [n, n], 'y');
  return g;
}

/** A CPU session for `g`; `arena` as the sampler's DiT session (models/session SessionOptions). */
export async function sessionFor(dir: string, g: GraphBuilder, arena = false) {
  const path = join(dir, `${g.name}.onnx`);
  await writeFile(path, g.serialize().model);
  return { path, session: await getSession(path, { providers: ['cpu'], arena }) };
}

/** FLOP/s ORT reaches on square MatMuls of each size (median of `reps` runs), sessions as `sessionFor`. */
export async function gemmRates(dir: string, reps: number, arena = false): Promise<Map<number, number>> {
  const rates = new Map<number, number>();
  for (const n of GEMM_SIZES) {
    const { path, session } = await sessionFor(dir, gemmGraph(n), arena);
    const feeds = { x: randomTensor([n, n], n) };
    const ms = summarize(await timeRuns(() => runSession(session, feeds), reps)).median;
    rates.set(n, (GEMM_CHAIN * 2 * n ** 3) / (ms / 1000));
    await release(path);
  }
  return rates;
}

/** The DiTs rated: the tiny pack's (head dim 16) and the mid pack's (the released head dim 64), both at 3,750 tokens. */
const CASES: { id: FigureId; config: () => DitConfig; about: string }[] = [
  {
    id: 'dit-roofline',
    config: benchDitConfig,
    about: `tiny pack DiT (width ${TINY.dit.hidden}, ${TINY.dit.layers} layers, ${TINY.dit.heads} heads)`,
  },
  {
    id: 'dit-roofline-mid',
    config: () => ({ ...midDitConfig(), ...pick(benchDitConfig()) }),
    about: 'mid pack DiT (bench/mid-pack.ts: the released architecture at width 512, 8 layers, 8 heads)',
  },
];

/** The token count of the tiny bench config, so both DiTs see the same sequence. */
function pick(c: DitConfig): Partial<DitConfig> {
  const { latent_height, latent_width, num_frames, time_compressed_rate, pos_frames, compressed_frames } = c;
  const { text_length, text_tokens_per_layer } = c;
  return {
    ...{ latent_height, latent_width, num_frames, time_compressed_rate, pos_frames, compressed_frames },
    ...{ text_length, text_tokens_per_layer },
  };
}

/**
 * The dit-roofline figures: one DiT forward at a realistic token count ÷ its analytic FLOPs at the best
 * GEMM rate ONNX Runtime reaches here (a MatMul-only graph built with models/onnx/graph.ts), measured in
 * the same run. 1.0 would be a forward running every FLOP at peak GEMM speed.
 */
export async function ditRooflineFigures(reps: number, wanted: (id: FigureId) => boolean): Promise<Figure[]> {
  const dir = await mkdtemp(join(tmpdir(), 'lf-bench-dit-'));
  try {
    const out: Figure[] = [];
    for (const c of CASES.filter((x) => wanted(x.id))) {
      const start = loadNow();
      out.push(...withLoad([await rooflineOf(dir, c, reps)], start));
    }
    return out;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function rooflineOf(dir: string, c: (typeof CASES)[number], reps: number): Promise<Figure> {
  const config = c.config();
  const dims = ditDims(config);
  // The graph the sampler runs by default: content LoRA folded in at strength 1, motion LoRA off.
  const graph = buildDit(config, randomDitWeights(config, 1), { lora: { motion: false, content: 'folded' } });
  const { path, session } = await sessionFor(dir, graph, true);
  const feeds: Record<string, Tensor> = {
    x: randomTensor([1, dims.frames, config.in_channels, config.latent_height, config.latent_width], 2),
    timesteps: { dims: [1], data: Float32Array.of(500) },
    context: randomTensor([1, config.text_length, config.text_hidden_size], 3),
  };
  const forward = await timeRuns(() => runSession(session, feeds), reps);
  await release(path);
  // The GEMMs run with the same session options as the forward (the arena kept, as the sampler's DiT).
  const rates = await gemmRates(dir, Math.max(3, reps), true);
  const [bestN, peak] = [...rates].reduce((a, b) => (b[1] > a[1] ? b : a));
  const flops = ditForwardFlops(config);
  const ideal = (flops.total / peak) * 1000;
  const fwd = summarize(forward);
  const gflops = (v: number) => round(v / 1e9);
  return figure(c.id, {
    value: summarize(forward.map((ms) => ms / ideal)),
    details: {
      tokens_text: dims.text,
      tokens_video: dims.videoTokens,
      hidden: dims.hidden,
      heads: dims.heads,
      head_dim: dims.headDim,
      layers: config.num_layers,
      forward_ms: round(fwd.median),
      gflop_forward: gflops(flops.total),
      gflop_attention: gflops(flops.attention),
      gflop_linear: gflops(flops.linear),
      ideal_ms: round(ideal),
      achieved_gflop_per_s: gflops(flops.total / (fwd.median / 1000)),
      ...Object.fromEntries([...rates].map(([n, r]) => [`gemm_${n}_gflop_per_s`, gflops(r)])),
      gemm_peak_size: bestN,
    },
    notes: [
      `${c.about}, head dim ${dims.headDim}, at ${config.latent_height * 8}×${config.latent_width * 8} px: ${dims.videoTokens} video + ${dims.text} text tokens, RGBA generate, batch 1, the graph the sampler runs by default (content LoRA folded in at strength 1, motion LoRA off), CPU provider through models/session with the memory arena kept (as the sampler's DiT session); the GEMM rate measured right after the forwards.`,
      'FLOPs: 2 per multiply-add of every MatMul/Conv (incl. attention q·kᵀ, p·v); norms, softmax and elementwise ops are not counted.',
      `GEMM rate: best median over ${GEMM_CHAIN} chained square MatMuls (n = ${GEMM_SIZES.join(', ')}) in one ONNX graph.`,
      `Attention is ${Math.round((100 * flops.attention) / flops.total)}% of the FLOPs: the figure rates ORT's MultiHeadAttention at head dim ${dims.headDim} as much as its GEMMs.`,
    ],
  });
}
