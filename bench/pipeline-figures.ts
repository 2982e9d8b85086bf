import { cachedRerunFigure } from './cached-rerun.ts';
import { engineOverheadFigures } from './engine-overhead.ts';
import { type Figure, type FigureId, failedFigure, loadNow, withLoad } from './figure.ts';
import { memoryFigure } from './memory.ts';
import { warmPipeline } from './pipeline.ts';

/** Figures 1, 2 and 5: they share the warmed-up text-to-layers pipeline; one failing does not stop the others. */
export async function pipelineFigures(reps: number, wanted: (id: FigureId) => boolean): Promise<Figure[]> {
  const p = await warmPipeline();
  const runs: [FigureId[], () => Promise<Figure[]>][] = [
    [['engine-overhead', 'engine-overhead-nosave'], () => engineOverheadFigures(p, reps)],
    [['cached-rerun'], async () => [await cachedRerunFigure(p, reps)]],
    [['memory'], async () => [await memoryFigure(p, Math.min(reps, 3))]],
  ];
  const out: Figure[] = [];
  for (const [ids, run] of runs) {
    if (!ids.some(wanted)) continue;
    const start = loadNow();
    try {
      out.push(...withLoad(await run(), start));
    } catch (err) {
      process.stderr.write(`bench: ${ids.join(', ')}: ${(err as Error).stack ?? err}\n`);
      out.push(...ids.map((id) => failedFigure(id, err, [p.source])));
    }
  }
  return out;
}
