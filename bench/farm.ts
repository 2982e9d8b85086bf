import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedis } from '../farm/redis-process.ts';
import { RemoteJobs } from '../farm/remote-jobs.ts';
import { killWorker, startWorker, type WorkerProcess } from '../farm/worker-process.ts';
import type { EngineEvent } from '../graph-engine/events.ts';
import { createRegistry } from '../nodes/index.ts';
import { manifestHash, packDir } from '../nodes/layerflow/pack-source.ts';
import { loadPreset } from '../presets/index.ts';
import { type Figure, type FigureId, figure } from './figure.ts';
import { pairedRatios, quantile, round, summarize } from './stats.ts';

const JOBS = 16;
const LATENCY_JOBS = 20;
const STEPS = 2;

/** One demo job: text-to-layers on `pack` up to the sampler, STEPS steps, conditional row only. */
async function demoJob(pack: string, seed: number): Promise<unknown> {
  const wf = (await loadPreset('text-to-layers')) as { nodes: Record<string, { params: Record<string, unknown> }> };
  wf.nodes.pack.params.pack = pack;
  Object.assign(wf.nodes.sample.params, { steps: STEPS, cfgScale: 0, previewEvery: 0, seed });
  return wf;
}

/**
 * Figures 8 and 9: a farm on this machine (a private redis-server, two `layerflow worker` processes, this
 * process submitting). Worker 1 holds demo-rgba and a copy of it under another content key that only it
 * has, so the same demo jobs run on one worker (the copy) or on both (demo-rgba) without restarting any.
 */
export async function farmFigures(reps: number, wanted: (id: FigureId) => boolean): Promise<Figure[]> {
  const dir = await mkdtemp(join(tmpdir(), 'lf-bench-farm-'));
  const solo = join(dir, 'pack-solo');
  await manifestHash('demo-rgba');
  await cp(packDir('demo-rgba'), solo, { recursive: true });
  const manifest = JSON.parse(await readFile(join(solo, 'manifest.json'), 'utf8'));
  await writeFile(join(solo, 'manifest.json'), JSON.stringify(manifest, null, 1));
  await mkdir(join(dir, 'redis'));
  const redis = await startRedis(join(dir, 'redis'));
  const env = { ...process.env, LAYERFLOW_PROVIDERS: 'cpu' };
  const workers: WorkerProcess[] = [];
  const farm = await RemoteJobs.connect({ url: redis.url, registry: createRegistry(), shared: join(dir, 'out') });
  const events: EngineEvent[] = [];
  farm.subscribe((e) => events.push(e));
  try {
    const args = (packs: string) => ['--redis', redis.url, '--out', join(dir, 'out'), '--packs', packs];
    workers.push(
      ...(await Promise.all([
        startWorker('bench-1', args(`demo-rgba,${solo}`), env),
        startWorker('bench-2', args('demo-rgba'), env),
      ])),
    );
    const run = async (pack: string, n: number, seed: number) => {
      const ids = [];
      for (let i = 0; i < n; i++)
        ids.push((await farm.submit(await demoJob(pack, seed + i), { targets: ['sample'] })).id);
      const finals = await Promise.all(ids.map((id) => farm.settled(id)));
      const failed = finals.find((j) => j.status !== 'finished');
      if (failed) throw new Error(`job ${failed.id} ${failed.status}: ${failed.error?.message}`);
      return finals;
    };
    // Untimed: every session each worker will use is created (ONNX Runtime optimises the demo graph once).
    while (
      !['bench-1', 'bench-2'].every((w) => events.some((e) => e.type === 'log' && e.message === `running on ${w}`))
    ) {
      await run('demo-rgba', 2, 1);
    }
    await run(solo, 1, 1);
    const figures: Figure[] = [];
    if (wanted('farm-throughput')) figures.push(await throughput(run, solo, reps));
    if (wanted('farm-latency')) figures.push(await latency(farm, events));
    return figures;
  } finally {
    for (const w of workers) await killWorker(w);
    await farm.close();
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

type Run = (pack: string, n: number, seed: number) => Promise<{ startedAt?: number; finishedAt?: number }[]>;

async function throughput(run: Run, solo: string, reps: number): Promise<Figure> {
  const one: number[] = [];
  const two: number[] = [];
  for (let r = 0; r < reps; r++) {
    for (const [pack, out] of [
      [solo, one],
      ['demo-rgba', two],
    ] as const) {
      const t0 = performance.now();
      await run(pack, JOBS, 100 * r);
      out.push(performance.now() - t0);
    }
  }
  return figure('farm-throughput', {
    value: summarize(pairedRatios(one, two)),
    details: { one_worker_ms: round(summarize(one).median), two_workers_ms: round(summarize(two).median), jobs: JOBS },
    notes: [
      `${JOBS} demo jobs (text-to-layers up to the sampler, ${STEPS} steps, CFG off) submitted at once, timed until the last one ended; workers warm.`,
      'one worker: jobs need a copy of demo-rgba only worker 1 holds; two workers: demo-rgba, which both hold (same work, routing decides).',
      'both workers share this machine’s cores and ONNX Runtime already spreads one worker over all of them, so about 1 is what this machine can show; with one worker per GPU each adds its own device (2 would be perfect scaling).',
    ],
  });
}

/** Submit → the engine's job-started on an idle worker, one job at a time, against the job's own run time. */
async function latency(farm: RemoteJobs, events: EngineEvent[]): Promise<Figure> {
  const waits: number[] = [];
  const runs: number[] = [];
  for (let i = 0; i < LATENCY_JOBS; i++) {
    const workflow = await demoJob('demo-rgba', 1000 + i);
    const submitted = Date.now();
    const job = await farm.submit(workflow, { targets: ['sample'] });
    const final = await farm.settled(job.id);
    const started = events.find((e) => e.jobId === job.id && e.type === 'job-started');
    const finished = events.find((e) => e.jobId === job.id && e.type === 'job-finished');
    if (final.status !== 'finished' || !started || !finished) throw new Error(`job ${job.id}: ${final.status}`);
    waits.push(started.time - submitted);
    runs.push(finished.time - started.time);
  }
  const sorted = [...waits].sort((a, b) => a - b);
  return figure('farm-latency', {
    value: summarize(pairedRatios(waits, runs)),
    details: {
      latency_median_ms: round(quantile(sorted, 0.5)),
      latency_p95_ms: round(quantile(sorted, 0.95)),
      job_run_median_ms: round(summarize(runs).median),
      jobs: LATENCY_JOBS,
    },
    notes: [
      'from just before RemoteJobs.submit (validation, seeds, pack hashes, BullMQ add) to the engine’s job-started on an idle worker (woken over pub/sub, fetch, job checks, lock thread): both clocks are this machine’s.',
      'one job at a time, so a worker is always idle when the job arrives; the ratio is that wait ÷ the job’s own engine time.',
    ],
  });
}
