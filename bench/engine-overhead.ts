import { ValueCache } from '../graph-engine/cache.ts';
import { ortRunStats, resetOrtRunStats } from '../models/session/run.ts';
import { type Figure, figure } from './figure.ts';
import { type Pipeline, runPipeline, STEPS } from './pipeline.ts';
import { pairedRatios, round, summarize } from './stats.ts';

/** The nodes that took longest, summed over the repetitions (ms per run). */
function slowestNodes(perNode: Map<string, number>, reps: number, wf: Pipeline['workflow']): string {
  return [...perNode]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([id, ms]) => `${id} (${wf.nodes[id].type}) ${round(ms / reps)} ms`)
    .join(', ');
}

interface Runs {
  walls: number[];
  orts: number[];
  calls: number[];
}

/** One run of the preset up to `targets` from an empty cache: wall ms, ORT ms and calls, per-node ms. */
async function timedRun(p: Pipeline, targets?: string[]) {
  resetOrtRunStats();
  const { ms, result } = await runPipeline(p, p.workflow, new ValueCache(), targets);
  return { wall: ms, ...ortRunStats(), nodes: result.nodes };
}

function push(runs: Runs, run: { wall: number; ms: number; calls: number }): void {
  runs.walls.push(run.wall);
  runs.orts.push(run.ms);
  runs.calls.push(run.calls);
}

/**
 * Figures 1 and 1n, paired in each repetition: the whole preset (saving four videos and a contact
 * sheet), then the same run stopped before the save nodes (targets: Split Layers). Sessions are warm (one
 * untimed run first); each run starts from an empty cache so every node runs, and no spare encoders are
 * kept (as a one-shot CLI run): what is left over is the engine, the nodes' own JavaScript and I/O.
 */
export async function engineOverheadFigures(p: Pipeline, reps: number): Promise<Figure[]> {
  const split = Object.keys(p.workflow.nodes).find((id) => p.workflow.nodes[id].type === 'layerflow.split-layers');
  if (!split) throw new Error(`${p.source} has no Split Layers node to stop before saving at`);
  const saving: Runs = { walls: [], orts: [], calls: [] };
  const bare: Runs = { walls: [], orts: [], calls: [] };
  const perNode = new Map<string, number>();
  for (let i = 0; i < reps; i++) {
    const run = await timedRun(p);
    push(saving, run);
    for (const [id, node] of Object.entries(run.nodes)) perNode.set(id, (perNode.get(id) ?? 0) + node.ms);
    push(bare, await timedRun(p, [split]));
  }
  const med = (xs: number[]) => summarize(xs).median;
  const common = [
    `${p.source}, ${STEPS} steps, CPU provider; run with graph-engine/run-job.ts (as the CLI), manifest and outputs written to a temp folder; sessions warm (one untimed run first); each timed run starts from an empty cache so every node runs; no spare encoders (media/encoder-pool.ts) are kept, as in a one-shot CLI run.`,
    'ORT time is ortRunStats() of models/session/run.ts: the awaited session.run() calls only (not tensor conversion around them).',
  ];
  return [
    figure('engine-overhead', {
      value: summarize(pairedRatios(saving.walls, saving.orts)),
      details: {
        wall_ms: round(med(saving.walls)),
        ort_ms: round(med(saving.orts)),
        ort_calls: med(saving.calls),
        wall_over_wall_without_saving: round(med(pairedRatios(saving.walls, bare.walls))),
        ort_over_ort_without_saving: round(med(pairedRatios(saving.orts, bare.orts))),
        node_ms: slowestNodes(perNode, reps, p.workflow),
      },
      notes: [
        ...common,
        'the save nodes start their ffmpeg processes when the job starts and run side by side once the layers exist; node_ms overlap, so they do not add up to the wall time.',
        'ort_over_ort_without_saving > 1 means the encoders starting beside the sampler took CPU from ONNX Runtime: that lengthens the ORT time the ratio divides by, so read this figure with wall_over_wall_without_saving (what saving adds to the wall time).',
      ],
    }),
    figure('engine-overhead-nosave', {
      value: summarize(pairedRatios(bare.walls, bare.orts)),
      details: {
        wall_ms: round(med(bare.walls)),
        ort_ms: round(med(bare.orts)),
        outside_ort_ms: round(med(bare.walls) - med(bare.orts)),
        ort_calls: med(bare.calls),
        outside_ort_ms_per_ort_call: round((med(bare.walls) - med(bare.orts)) / med(bare.calls)),
      },
      notes: [...common, `the same preset with targets [${split}]: every node but the save nodes.`],
    }),
  ];
}
