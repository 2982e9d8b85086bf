import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Figure, figure } from './figure.ts';
import { modelBytes, type Pipeline, STEPS } from './pipeline.ts';
import { round, summarize } from './stats.ts';

const exec = promisify(execFile);
const ROOT = join(import.meta.dirname, '..');
const MIB = 1024 ** 2;

/** Peak and current RSS of a fresh child process in `mode` (see memory-child.ts). */
async function child(
  mode: 'baseline' | 'run',
  pack: string,
  targets: string[] = [],
): Promise<{ hwm: number; rss: number }> {
  const { stdout } = await exec(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'memory-child.ts'), mode, pack, ...targets],
    {
      cwd: ROOT,
      env: { ...process.env, LAYERFLOW_PROVIDERS: 'cpu' },
      maxBuffer: 1 << 20,
    },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1) as string);
}

/**
 * Figure 5: peak RSS (VmHWM) of a child process that runs text-to-layers once (tiny pack) ÷ the bytes
 * of the model files it reads; beside it the same child stopped before running (the Node + ORT baseline).
 */
export async function memoryFigure(p: Pipeline, reps: number): Promise<Figure> {
  const bytes = await modelBytes(p.pack);
  const peaks: number[] = [];
  const bases: number[] = [];
  for (let i = 0; i < reps; i++) {
    bases.push((await child('baseline', p.pack)).hwm);
    peaks.push((await child('run', p.pack)).hwm);
  }
  const peak = summarize(peaks).median;
  const base = summarize(bases).median;
  return figure('memory', {
    value: summarize(peaks.map((b) => b / bytes.used)),
    details: {
      peak_rss_mib: round(peak / MIB),
      baseline_rss_mib: round(base / MIB),
      model_mib: round(bytes.used / MIB),
      pack_mib_all_files: round(bytes.all / MIB),
      above_baseline_over_model: round((peak - base) / bytes.used),
    },
    notes: [
      `${p.source}, ${STEPS} steps, CPU, one cold run per child process (node --import tsx bench/memory-child.ts run <pack>); VmHWM from /proc/self/status.`,
      'baseline: the same child loading the engine, node packs and the ORT binding, stopping before the run.',
      "model bytes: every file of the pack folder the generate task reads (external weight data included; not the manifest, the VAE encoder or other tasks' transformers).",
      'for a tiny pack the Node/V8/ORT baseline dominates: above_baseline_over_model is the figure that scales with the model.',
    ],
  });
}
