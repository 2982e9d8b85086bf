import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { engineEnv } from '../bin/engine-env.js';
import { type Figure, figure } from './figure.ts';
import { ensureMidPack, midDitConfig } from './mid-pack.ts';
import { modelBytes } from './pipeline.ts';
import { round, summarize } from './stats.ts';

const exec = promisify(execFile);
const ROOT = join(import.meta.dirname, '..');
const MIB = 1024 ** 2;
/** Sampler steps of the measured run: every step reuses the first one's memory, so two show the peak. */
const STEPS = 2;
/** VAE Decode's pass size for the detail that shows what decoding in passes saves. */
const DECODE_CHUNK = 8;

/** Peak and current RSS of a fresh child process in `mode` (see memory-child.ts), started as the CLI starts its engine. */
async function child(
  mode: 'baseline' | 'run',
  pack: string,
  targets: string[] = [],
): Promise<{ hwm: number; rss: number }> {
  const { stdout } = await exec(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'memory-child.ts'), mode, pack, String(STEPS), ...targets],
    {
      cwd: ROOT,
      env: { ...engineEnv(), LAYERFLOW_PROVIDERS: 'cpu' },
      maxBuffer: 1 << 20,
    },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1) as string);
}

/** Peak RSS of a child that only creates a CPU session for `onnx`, and its RSS before (import-child.ts). */
async function sessionChild(onnx: string): Promise<{ hwm: number; baseline: number }> {
  const { stdout } = await exec(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'import-child.ts'), 'session', onnx],
    { cwd: ROOT, env: engineEnv(), maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1) as string);
}

/**
 * Figure 5: peak RSS of a child process running text-to-layers once on the generated mid-size float32 pack
 * (bench/mid-pack.ts, ≥ 200 MB), above the same child's baseline (stopped before running: Node, tsx, the
 * engine, the ORT binding), ÷ the bytes of the model files the run reads.
 */
export async function memoryFigure(reps: number): Promise<Figure> {
  const pack = await ensureMidPack('float32');
  const bytes = await modelBytes(pack);
  const peaks: number[] = [];
  const bases: number[] = [];
  for (let i = 0; i < reps; i++) {
    bases.push((await child('baseline', pack)).hwm);
    peaks.push((await child('run', pack)).hwm);
  }
  const base = summarize(bases).median;
  const peak = summarize(peaks).median;
  // Where the rest goes: the same run stopped after the sampler, and the DiT's session alone.
  const sampler = (await child('run', pack, ['sample'])).hwm;
  const decodeInPasses = (await child('run', pack, [`--decode-chunk=${DECODE_CHUNK}`])).hwm;
  const keeping = (await child('run', pack, ['--keep-sessions'])).hwm;
  const session = await sessionChild(join(pack, 'transformer-generate-merged.onnx'));
  const ditBytes = (await stat(join(pack, 'transformer.weights'))).size;
  const c = midDitConfig();
  return figure('memory', {
    value: summarize(peaks.map((p) => (p - base) / bytes.used)),
    details: {
      peak_rss_mib: round(peak / MIB),
      baseline_rss_mib: round(base / MIB),
      model_mib: round(bytes.used / MIB),
      pack_mib_all_files: round(bytes.all / MIB),
      peak_over_model_with_baseline: round(peak / bytes.used),
      through_sampler_over_model: round((sampler - base) / bytes.used),
      sessions_kept_over_model: round((keeping - base) / bytes.used),
      [`decode_in_${DECODE_CHUNK}_frame_passes_over_model`]: round((decodeInPasses - base) / bytes.used),
      dit_session_over_dit_weights: round((session.hwm - session.baseline) / ditBytes),
    },
    notes: [
      `generated mid-size RGBA pack (.cache/packs/mid-float32-rgba: DiT width ${c.hidden_size} × ${c.num_layers} layers, one-block T5, narrow VAE, ${c.latent_width * 8}×${c.latent_height * 8} px; synthetic release imported by importRelease in float32), preset text-to-layers, ${STEPS} steps, CPU; one cold run per child process (node --import tsx bench/memory-child.ts run <pack> ${STEPS}), VmHWM from /proc/self/status.`,
      'value: (peak − median baseline) ÷ model bytes; baseline: the same child loading the engine, node packs and the ORT binding, stopping before the run. Children start with bin/engine-env.js (as the CLI, studio and desktop app start their engine) and release idle sessions before creating another, as `layerflow run` does.',
      'sessions_kept: the whole run with sessions kept while memory is not tight, as the editor, server and workers do (the DiT stays loaded through the VAE decode).',
      `decode_in_${DECODE_CHUNK}_frame_passes: the whole run with VAE Decode's chunk frames at ${DECODE_CHUNK} (default 0: one pass, as the reference; passes bound the decoder's working memory but take per-pass GroupNorm statistics).`,
      'through_sampler: the run stopped after DiT Sampler (no VAE decode); dit_session: creating the merged DiT session alone (bench/import-child.ts session), above its own baseline, ÷ its weights file.',
      "model bytes: every file of the pack folder the generate task reads (external weight data included; not the manifest, the VAE encoder or other tasks' transformers).",
    ],
  });
}
