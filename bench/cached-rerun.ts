import { ValueCache } from '../graph-engine/cache.ts';
import { type Figure, figure } from './figure.ts';
import { type Pipeline, runPipeline, withCompositor } from './pipeline.ts';
import { pairedRatios, round, summarize } from './stats.ts';

/**
 * Figure 2: a re-run after changing only the compositor's opacity ÷ the full run before it, both on the
 * same cache. Each repetition starts from an empty cache, so the full run really is full. Beside it: the
 * same re-run targeted at the compositor's save node only (what "Run to selected" does).
 */
export async function cachedRerunFigure(p: Pipeline, reps: number): Promise<Figure> {
  const before = withCompositor(p.workflow, 1);
  const { compositor } = before;
  await runPipeline(p, before.workflow, new ValueCache()); // the added nodes' first run, not timed
  const full: number[] = [];
  const rerun: number[] = [];
  const targeted: number[] = [];
  const compositeMs: number[] = [];
  let reran: string[] = [];
  for (let i = 0; i < reps; i++) {
    const cache = new ValueCache();
    full.push((await runPipeline(p, before.workflow, cache)).ms);
    const changed = withCompositor(p.workflow, round(0.9 - i * 0.05, 2)).workflow;
    const again = await runPipeline(p, changed, cache);
    rerun.push(again.ms);
    compositeMs.push(again.result.nodes[compositor].ms);
    reran = Object.entries(again.result.nodes)
      .filter(([, run]) => !run.cached)
      .map(([id, run]) => `${id} ${round(run.ms)} ms`);
    const onlyBranch = withCompositor(p.workflow, round(0.6 - i * 0.05, 2)).workflow;
    targeted.push((await runPipeline(p, onlyBranch, cache, [`${compositor}-save`])).ms);
  }
  return figure('cached-rerun', {
    value: summarize(pairedRatios(rerun, full)),
    details: {
      full_ms: round(summarize(full).median),
      rerun_ms: round(summarize(rerun).median),
      nodes_rerun: reran.join(', '),
      composite_node_ms: round(summarize(compositeMs).median),
      rerun_targeted_ms: round(summarize(targeted).median),
      targeted_over_full: round(summarize(pairedRatios(targeted, full)).median),
    },
    notes: [
      `${p.source} plus a Composite node (foreground + alpha matte over background, from Split Layers) and its save-video node: the preset ships without a compositor.`,
      `full run from an empty cache, then the re-run on the same ValueCache with only ${compositor}.opacity changed; both through graph-engine/run-job.ts.`,
      "save nodes whose inputs did not change are cache hits: their files are hard-linked from the full run's folder instead of re-encoded; rerun_targeted runs only the composite branch (targets = its save node).",
    ],
  });
}
