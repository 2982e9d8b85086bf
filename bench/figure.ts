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
}

/** Every figure the bench reports: its title, what the ratio divides, and its target (if it has one). */
export const FIGURES = {
  'engine-overhead': {
    title: 'Engine overhead (text-to-layers)',
    ratio: 'preset wall ms ÷ Σ ORT run() ms inside it',
    target: { max: 1.02 },
  },
  'cached-rerun': {
    title: 'Cached re-run (opacity change)',
    ratio: 're-run ms after changing compositor opacity ÷ full run ms',
    target: { max: 0.02 },
  },
  memory: {
    title: 'Memory: peak RSS ÷ model bytes',
    ratio: 'peak RSS of a text-to-layers run ÷ bytes of the model files it reads',
    target: { max: 2 },
  },
  compositor: {
    title: 'Compositor vs ffmpeg overlay',
    ratio: 'composite.ts ms ÷ ffmpeg overlay ms (16 frames 720×480 RGBA over RGB)',
    target: { max: 1 },
  },
  'dit-roofline': {
    title: 'DiT forward vs GEMM roofline',
    ratio: 'DiT forward ms ÷ (analytic FLOPs ÷ peak ORT GEMM FLOP/s)',
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
