import { cpus, loadavg } from 'node:os';
import type { Summary } from './stats.ts';

/** A target a figure's median is held to (a ratio: lower is better). */
export interface Target {
  max: number;
}

/** One benchmark's result: a ratio of two things timed in the same run, with its spread. */
export interface Figure {
  id: string;
  title: string;
  /** What the ratio is, in words: "numerator ÷ denominator". */
  ratio: string;
  value: Summary;
  target?: Target;
  /** Whether the median meets the target; absent when the figure has no target. */
  met?: boolean;
  /** Named raw numbers behind the figure (ms, bytes, FLOP/s …), with the unit in the name. */
  details: Record<string, number | string>;
  /** How it was measured and what to keep in mind reading it. */
  notes: string[];
  /** Set when the figure could not be measured as specified (e.g. a missing preset). */
  caveat?: string;
  /** The machine's 1-minute load average when the figure's measurement started and ended. */
  load?: Load;
}

export interface Load {
  start: number;
  end: number;
  cores: number;
  /** Other work competed for the cores: start ≥ cores ÷ 2, or end > cores (the bench itself adds about 1). */
  loaded: boolean;
}

/** The 1-minute load average now, to 2 decimals. */
export function loadNow(): number {
  return Number(loadavg()[0].toFixed(2));
}

/** The figures with the load average from `start` to now attached (figures that carry one keep it). */
export function withLoad(figures: Figure[], start: number): Figure[] {
  const end = loadNow();
  const cores = cpus().length;
  const load = { start, end, cores, loaded: start >= cores / 2 || end > cores };
  return figures.map((f) => (f.load ? f : { ...f, load }));
}

/** Every figure the bench reports: its title, what the ratio divides, and its target (if it has one). */
export const FIGURES = {
  'engine-overhead': {
    title: 'Engine overhead (text-to-layers)',
    ratio: 'preset wall ms ÷ Σ ORT run() ms inside it',
    target: { max: 1.05 },
  },
  'engine-overhead-nosave': {
    title: 'Engine overhead without saving',
    ratio: 'preset wall ms up to Split Layers ÷ Σ ORT run() ms inside it',
    target: { max: 1.05 },
  },
  'cached-rerun': {
    title: 'Cached re-run (opacity change)',
    ratio: 're-run ms after changing compositor opacity ÷ full run ms',
    target: { max: 0.02 },
  },
  memory: {
    title: 'Memory: peak RSS above baseline ÷ model bytes',
    ratio:
      'peak RSS of a text-to-layers run above the process baseline ÷ bytes of the model files it reads (≥ 200 MB pack)',
    target: { max: 1.3 },
  },
  compositor: {
    title: 'Compositor (8-bit) vs ffmpeg overlay',
    ratio: 'overBytes ms ÷ ffmpeg overlay ms (16 frames 720×480 RGBA over RGB, same bytes)',
    target: { max: 0.8 },
  },
  'compositor-float': {
    title: 'Compositor (float) vs ffmpeg overlay',
    ratio: 'compositor() ms on float32 frames ÷ ffmpeg overlay ms on the same pixels as bytes',
    target: { max: 0.8 },
  },
  'dit-roofline': {
    title: 'DiT forward vs GEMM roofline (tiny DiT, head dim 16)',
    ratio: 'DiT forward ms ÷ (analytic FLOPs ÷ peak ORT GEMM FLOP/s)',
    target: { max: 1.25 },
  },
  'dit-roofline-mid': {
    title: 'DiT forward vs GEMM roofline (mid DiT, head dim 64)',
    ratio: 'DiT forward ms ÷ (analytic FLOPs ÷ peak ORT GEMM FLOP/s)',
    target: { max: 1.25 },
  },
  'vae-roofline': {
    title: 'VAE decode vs GEMM roofline (17 frames 64×96)',
    ratio: 'decode ms ÷ (conv FLOPs ÷ peak ORT GEMM FLOP/s)',
    target: { max: 1.6 },
  },
  'vae-roofline-tile': {
    title: 'VAE decode vs GEMM roofline (9 frames 480×720)',
    ratio: 'decode ms of one 60×90 latent tile ÷ (conv FLOPs ÷ peak ORT GEMM FLOP/s)',
    target: { max: 1.6 },
  },
  'import-scale': {
    title: 'Import at the released scale (≈1.9 B params)',
    ratio: 'import s per byte read ÷ plain sequential read s per byte (same checkpoint, same run)',
  },
  'editor-open': {
    title: 'Editor open+render 300 vs 30 nodes',
    ratio: 'open 300-node workflow ms ÷ open 30-node workflow ms',
  },
  'editor-pan': {
    title: 'Editor pan p95 frame (300 nodes)',
    ratio: 'p95 rAF delta while panning ÷ 16.7 ms (60 Hz)',
  },
  'farm-throughput': {
    title: 'Farm: 16 demo jobs, 1 worker vs 2',
    ratio: 'wall ms with 1 worker ÷ wall ms with 2 workers (higher: more from the second)',
  },
  'farm-latency': {
    title: 'Farm: submit → start on an idle worker',
    ratio: 'submit → job-started ms ÷ the job’s own run ms (median, p95 in details)',
  },
} satisfies Record<string, { title: string; ratio: string; target?: Target }>;
export type FigureId = keyof typeof FIGURES;

/** A measured figure: title, ratio and target from FIGURES, `met` from the target. */
export function figure(id: FigureId, f: Pick<Figure, 'value' | 'details' | 'notes' | 'caveat'>): Figure {
  const known: { title: string; ratio: string; target?: Target } = FIGURES[id];
  const base = { id, ...known, ...f };
  return known.target ? { ...base, met: f.value.median <= known.target.max } : base;
}

/** A figure that could not be measured at all, carrying the reason. */
export function failedFigure(id: FigureId, err: unknown, notes: string[] = []): Figure {
  const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
  const nan = Number.NaN;
  const value = { n: 0, median: nan, min: nan, max: nan, q1: nan, q3: nan };
  return { ...figure(id, { value, details: {}, notes, caveat: `not measured: ${message}` }), met: undefined };
}
