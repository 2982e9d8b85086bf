/**
 * `npm run bench [-- --json] [--only id,id] [--reps n]`: every figure is a ratio of two things timed in
 * the same run on this machine, as the median of several repetitions with its spread. The table and
 * notes go to stdout; with --json one JSON object with every figure is the last line of stdout.
 */
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { compositorFigure } from './compositor.ts';
import { ditRooflineFigures } from './dit-roofline.ts';
import { editorFigures } from './editor.ts';
import { farmFigures } from './farm.ts';
import { FIGURES, type Figure, type FigureId, failedFigure, loadNow, withLoad } from './figure.ts';
import { importScaleFigure } from './import-scale.ts';
import { memoryFigure } from './memory.ts';
import { pipelineFigures } from './pipeline-figures.ts';
import { formatTable } from './table.ts';
import { vaeRooflineFigures } from './vae-roofline.ts';

interface Bench {
  /** Figures it produces (for --only, and for reporting a crash). */
  ids: FigureId[];
  /** Default repetitions. */
  reps: number;
  /** Runs the figures `wanted` accepts (a bench may skip the others). */
  run(reps: number, wanted: (id: FigureId) => boolean): Promise<Figure[]>;
}

/** In run order; the whole default run takes ≈ 25 min on two cores, most of it import-scale (last). */
const BENCHES: Bench[] = [
  { ids: ['engine-overhead', 'engine-overhead-nosave', 'cached-rerun'], reps: 5, run: pipelineFigures },
  { ids: ['memory'], reps: 3, run: async (reps) => [await memoryFigure(reps)] },
  { ids: ['compositor', 'compositor-float'], reps: 7, run: compositorFigure },
  { ids: ['dit-roofline', 'dit-roofline-mid'], reps: 7, run: ditRooflineFigures },
  { ids: ['vae-roofline', 'vae-roofline-tile'], reps: 5, run: vaeRooflineFigures },
  { ids: ['editor-open', 'editor-pan'], reps: 3, run: editorFigures },
  { ids: ['farm-throughput', 'farm-latency'], reps: 3, run: farmFigures },
  { ids: ['import-scale'], reps: 1, run: async (reps) => [await importScaleFigure(reps)] },
];

function machine() {
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    /** 1-minute load average when the figures were done: other work on the machine skews every figure. */
    loadAverage: loadNow(),
  };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { json: { type: 'boolean' }, only: { type: 'string' }, reps: { type: 'string' } },
  });
  const only = values.only?.split(',').map((s) => s.trim());
  const unknown = only?.filter((id) => !(id in FIGURES));
  if (unknown?.length) throw new Error(`--only ${unknown.join(',')}: figures are ${Object.keys(FIGURES).join(', ')}`);
  const wanted = (id: string) => !only || only.includes(id);
  const reps = values.reps === undefined ? undefined : Number(values.reps);
  if (reps !== undefined && !(Number.isInteger(reps) && reps >= 1))
    throw new Error(`--reps ${values.reps}: want an integer ≥ 1`);
  const started = Date.now();
  const startLoad = machine().loadAverage;
  const figures: Figure[] = [];
  for (const bench of BENCHES) {
    if (!bench.ids.some(wanted)) continue;
    const t0 = Date.now();
    const load = loadNow();
    process.stderr.write(`bench: ${bench.ids.join(', ')} … (load average ${load})\n`);
    try {
      const got = withLoad(await bench.run(reps ?? bench.reps, wanted), load);
      figures.push(...got.filter((f) => wanted(f.id)));
    } catch (err) {
      process.stderr.write(`bench: ${(err as Error).stack ?? err}\n`);
      figures.push(...bench.ids.filter(wanted).map((id) => failedFigure(id, err)));
    }
    process.stderr.write(`bench: done in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  const seconds = (Date.now() - started) / 1000;
  const host = machine();
  process.stdout.write(
    `${formatTable(figures)}\nTotal ${seconds.toFixed(0)} s on ${host.cores} × ${host.cpu}, load average ${startLoad} at start, ${host.loadAverage} at end (other work on the machine skews the figures)\n`,
  );
  if (values.json) process.stdout.write(`${JSON.stringify({ machine: host, startLoad, seconds, figures })}\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`bench: ${(err as Error).message}\n`);
    process.exit(2);
  },
);
