import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mulberry32, uniformArray } from '../models/random.ts';
import { runSession } from '../models/session/run.ts';
import { release } from '../models/session/sessions.ts';
import { temporalLevels, type VaeConfig, VaeConfigSchema } from '../models/vae/config.ts';
import { buildVaeDecoder } from '../models/vae/decoder.ts';
import { randomVaeWeights } from '../models/vae/random-weights.ts';
import { GEMM_CHAIN, gemmGraph, gemmRates, sessionFor } from './dit-roofline.ts';
import { type Figure, type FigureId, figure, loadNow, withLoad } from './figure.ts';
import { round, summarize, timeRuns } from './stats.ts';

/** The reference VAE at the golden files' tiny size (golden/vae: ch 32, [1, 1, 2, 2], one res block, z 4). */
export const BENCH_VAE: VaeConfig = VaeConfigSchema.parse({
  z_channels: 4,
  ch: 32,
  ch_mult: [1, 1, 2, 2],
  num_res_blocks: 1,
});

/** The two decodes: 17 frames at the tiny packs' 64×96, and 9 frames of one 60×90 latent tile (480×720); `maxReps` keeps the tile's run short. */
const CASES: { id: FigureId; latents: [number, number, number]; maxReps: number }[] = [
  { id: 'vae-roofline', latents: [5, 8, 12], maxReps: Number.POSITIVE_INFINITY },
  { id: 'vae-roofline-tile', latents: [3, 60, 90], maxReps: 3 },
];

/** Multiply-add FLOPs (2 per MAC) of every convolution of one decode of `t` latent frames of h × w, as our graph computes them. */
export function vaeDecodeFlops(c: VaeConfig, [t, h, w]: [number, number, number]): number {
  const conv = (cin: number, cout: number, taps: number, points: number) => 2 * cin * cout * taps * points;
  const latent = t * h * w;
  // SpatialNorm3D: one 1×1×1 conv of z to 2C (scale and shift) at latent size (layers.ts spatialNorm3d)
  const norm = (width: number) => conv(c.z_channels, 2 * width, 1, latent);
  let [T, H, W] = [t, h, w];
  let width = c.ch * c.ch_mult[c.ch_mult.length - 1];
  const block = (cin: number, cout: number) =>
    norm(cin) +
    conv(cin, cout, 27, T * H * W) +
    norm(cout) +
    conv(cout, cout, 27, T * H * W) +
    (cin === cout ? 0 : conv(cin, cout, 1, T * H * W));
  let flops = conv(c.z_channels, width, 27, latent) + 2 * block(width, width);
  for (let level = c.ch_mult.length - 1; level >= 0; level--) {
    for (let b = 0; b <= c.num_res_blocks; b++) {
      flops += block(width, c.ch * c.ch_mult[level]);
      width = c.ch * c.ch_mult[level];
    }
    if (level > 0) {
      if (level >= c.ch_mult.length - temporalLevels(c)) T = T % 2 ? 2 * T - 1 : 2 * T;
      [H, W] = [2 * H, 2 * W];
      flops += conv(width, width, 9, T * H * W);
    }
  }
  return flops + norm(width) + conv(width, c.out_ch, 27, T * H * W);
}

/**
 * The vae-roofline figures: one VAE decode ÷ its convolution FLOPs at the GEMM rate ONNX Runtime reaches
 * here, measured in the same run just before each decode. 1.0 would be a decode running every FLOP at
 * peak GEMM speed; GroupNorm, resizes and elementwise work are not counted, so they show as overhead.
 */
export async function vaeRooflineFigures(reps: number, wanted: (id: FigureId) => boolean): Promise<Figure[]> {
  const dir = await mkdtemp(join(tmpdir(), 'lf-bench-vae-'));
  try {
    const weights = randomVaeWeights(BENCH_VAE, 1);
    const { path, session } = await sessionFor(dir, buildVaeDecoder(BENCH_VAE, weights, { carry: false }));
    const out: Figure[] = [];
    const rates = await gemmRates(dir, 3);
    const [n] = [...rates].reduce((a, b) => (b[1] > a[1] ? b : a));
    const gemm = await sessionFor(dir, gemmGraph(n));
    const x = { dims: [n, n], data: uniformArray(mulberry32(n), n * n, -1, 1) };
    // The GEMM rate just before each decode (best of 3 runs), so load that comes and goes hits both alike.
    const gemmRate = async () => {
      const ms = Math.min(...(await timeRuns(() => runSession(gemm.session, { x }), 3)));
      return (GEMM_CHAIN * 2 * n ** 3) / (ms / 1000);
    };
    for (const c of CASES.filter((x) => wanted(x.id))) {
      const start = loadNow();
      const [t, h, w] = c.latents;
      const zc = BENCH_VAE.z_channels;
      const z = { dims: [1, zc, t, h, w], data: uniformArray(mulberry32(t), zc * t * h * w, -2, 2) };
      const flops = vaeDecodeFlops(BENCH_VAE, c.latents);
      await runSession(session, { z }); // warm-up
      const runs: { ms: number; rate: number }[] = [];
      for (let i = 0; i < Math.min(reps, c.maxReps); i++) {
        const rate = await gemmRate();
        const [ms] = await timeRuns(() => runSession(session, { z }), 1, 0);
        runs.push({ ms, rate });
      }
      const ms = summarize(runs.map((r) => r.ms));
      const rate = summarize(runs.map((r) => r.rate));
      const frames = t % 2 ? 1 + 4 * (t - 1) : 4 * t;
      const measured = figure(c.id, {
        value: summarize(runs.map((r) => r.ms / ((flops / r.rate) * 1000))),
        details: {
          frames,
          height: 8 * h,
          width: 8 * w,
          decode_ms: round(ms.median),
          gflop_decode: round(flops / 1e9),
          ideal_ms: round((flops / rate.median) * 1000),
          achieved_gflop_per_s: round(flops / (ms.median / 1000) / 1e9),
          gemm_gflop_per_s: round(rate.median / 1e9),
          gemm_size: n,
        },
        notes: [
          `reference CogVideoX decoder at the golden files' size (ch ${BENCH_VAE.ch}, ch_mult [${BENCH_VAE.ch_mult.join(', ')}], ${BENCH_VAE.num_res_blocks} res block, z ${BENCH_VAE.z_channels}), random weights, ${t} latent frames of ${h}×${w} → ${frames} frames of ${8 * h}×${8 * w}, one pass, batch 1, CPU provider through models/session (all cores).`,
          'FLOPs: 2 per multiply-add of every convolution as the graph runs them (3×3×3 causal convs, per-frame 3×3 upsample convs, 1×1×1 shortcuts, the SpatialNorm3D convs of z at latent size); norms, resizes and elementwise ops are not counted.',
          `GEMM rate: ${GEMM_CHAIN} chained ${n}×${n} MatMuls (the fastest size of dit-roofline's sweep), best of 3 runs just before each decode; each sample is one decode ÷ its own ideal.`,
        ],
      });
      out.push(...withLoad([measured], start));
    }
    await release(gemm.path);
    await release(path);
    return out;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
