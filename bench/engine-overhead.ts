import { ValueCache } from '../graph-engine/cache.ts';
import { ortRunStats, resetOrtRunStats } from '../models/session/run.ts';
import { type Figure, figure } from './figure.ts';
import { type Pipeline, runPipeline, STEPS } from './pipeline.ts';
import { round, summarize } from './stats.ts';

/** The nodes that took longest outside ORT, summed over the repetitions (ms per run). */
function slowestNodes(perNode: Map<string, number>, reps: number, wf: Pipeline['workflow']): string {
  return [...perNode]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([id, ms]) => `${id} (${wf.nodes[id].type}) ${round(ms / reps)} ms`)
    .join(', ');
}

/** Wall ÷ ORT time of runs of `wf` up to `targets`, each from an empty cache. */
async function overheadRuns(p: Pipeline, reps: number, targets?: string[]) {
  const walls: number[] = [];
  const orts: number[] = [];
  const calls: number[] = [];
  const sinks: number[] = [];
  const perNode = new Map<string, number>();
  const isSink = (id: string) => p.registry.get(p.workflow.nodes[id].type)?.purity === 'sink';
  for (let i = 0; i < reps; i++) {
    resetOrtRunStats();
    const { ms, result } = await runPipeline(p, p.workflow, new ValueCache(), targets);
    const ort = ortRunStats();
    walls.push(ms);
    orts.push(ort.ms);
    calls.push(ort.calls);
    let sinkMs = 0;
    for (const [id, run] of Object.entries(result.nodes)) {
      perNode.set(id, (perNode.get(id) ?? 0) + run.ms);
      if (isSink(id)) sinkMs += run.ms;
    }
    sinks.push(sinkMs);
  }
  return { walls, orts, calls, sinks, perNode };
}

/**
 * Figure 1: wall time of a whole text-to-layers run ÷ the summed time of the ONNX Runtime `run` calls
 * inside it (models/session/run.ts). Sessions are warm (one untimed run first) and each timed run gets a
 * fresh cache, so every node runs: what is left over is the engine, the nodes' own JavaScript and I/O.
 */
export async function engineOverheadFigure(p: Pipeline, reps: number): Promise<Figure> {
  const { walls, orts, calls, sinks, perNode } = await overheadRuns(p, reps);
  const wall = summarize(walls).median;
  const ort = summarize(orts).median;
  return figure('engine-overhead', {
    value: summarize(walls.map((w, i) => w / orts[i])),
    details: {
      wall_ms: round(wall),
      ort_ms: round(ort),
      outside_ort_ms: round(wall - ort),
      ort_calls: summarize(calls).median,
      outside_ort_ms_per_ort_call: round((wall - ort) / summarize(calls).median),
      slowest_nodes: slowestNodes(perNode, reps, p.workflow),
      save_nodes_ms: round(summarize(sinks).median),
      without_saving_ratio: round(summarize(walls.map((w, i) => (w - sinks[i]) / orts[i])).median),
    },
    notes: [
      `${p.source}, ${STEPS} steps, CPU provider; run with graph-engine/run-job.ts (as the CLI), manifest and outputs written to a temp folder.`,
      'sessions warm (one untimed run first); each timed run starts from an empty cache so every node runs.',
      'ORT time is ortRunStats() of models/session/run.ts: the awaited session.run() calls only (not tensor conversion around them).',
      'save_nodes_ms: the Save Video / Save Image nodes (ffmpeg encoding of 4 videos, PNG contact sheet); without_saving_ratio = (wall − save nodes) ÷ ORT, the engine and compute nodes alone.',
    ],
  });
}
