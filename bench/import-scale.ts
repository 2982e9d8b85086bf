import { execFile } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statfsSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { RELEASED_FOLDERS, releasedDitConfig } from '../models/import/released.ts';
import { writeSyntheticDitCheckpoint } from '../models/import/synthetic-dit.ts';
import { writeSyntheticParts } from '../models/import/synthetic-release.ts';
import { type Figure, figure } from './figure.ts';
import { round, summarize } from './stats.ts';

const exec = promisify(execFile);
const ROOT = join(import.meta.dirname, '..');
const MIB = 2 ** 20;
const FOLDER = 'multi-layer-generation-rgba';
/**
 * Disk the figure needs: the ≈4 GB checkpoint, the ≈4 GB float16 pack and its ≈7 GB float32 copy for the
 * CPU, with room to spare.
 */
const DISK_NEEDED = 20e9;

interface ImportRun {
  seconds: number;
  readBytes: number;
  packBytes: number;
  dedupBytes: number;
  dir: string;
  baseline: number;
  hwm: number;
}

async function child<T>(...args: string[]): Promise<T> {
  const { stdout } = await exec(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'import-child.ts'), ...args],
    {
      cwd: ROOT,
      maxBuffer: 1 << 20,
    },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1) as string) as T;
}

const loadAverage = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/** Seconds to read a file start to end through one 64 MiB buffer: what the disk and page cache give. */
function plainRead(file: string): number {
  const buf = Buffer.allocUnsafeSlow(64 << 20);
  const t0 = performance.now();
  const fd = openSync(file, 'r');
  try {
    while (readSync(fd, buf, 0, buf.length, null) > 0);
  } finally {
    closeSync(fd);
  }
  return (performance.now() - t0) / 1000;
}

/**
 * Import at the released scale: a synthetic RGBA generation checkpoint with the real shapes (≈1.86 B
 * parameters, bfloat16, the released zip-pickle layout with DeepSpeed's shared LoRA storage) written by the
 * project's own writer, beside a one-block T5 and a narrow VAE that fit it; then `importRelease` (float16,
 * the code `layerflow pack import` runs) in a child process, and what a CPU user then gets from the merged
 * generation transformer, each in its own child: the float32 copy CPU sessions run, and the session on it. Ratio: the import's seconds per byte read ÷ a
 * plain sequential read of the checkpoint, timed in the same run.
 */
export async function importScaleFigure(reps: number): Promise<Figure> {
  const root = mkdtempSync(join(tmpdir(), 'lf-import-scale-'));
  try {
    const free = statfsSync(root).bavail * statfsSync(root).bsize;
    if (free < DISK_NEEDED)
      throw new Error(`needs ${(DISK_NEEDED / 1e9).toFixed(0)} GB free in ${tmpdir()}, has ${(free / 1e9).toFixed(1)}`);
    const facts = RELEASED_FOLDERS.get(FOLDER);
    if (!facts) throw new Error(`${FOLDER} is not a released folder`);
    const config = releasedDitConfig(facts);
    const { file, bytes } = await writeSyntheticDitCheckpoint(join(root, 'LayerFlow', FOLDER), config);
    await writeSyntheticParts(root, config.text_hidden_size, config.in_channels);
    const ratios: number[] = [];
    const rates: number[] = [];
    const peaks: number[] = [];
    let last: ImportRun | undefined;
    for (let i = 0; i < reps; i++) {
      const plain = plainRead(file) / bytes;
      const out = join(root, `packs-${i}`);
      const run = await child<ImportRun>('import', root, out);
      ratios.push(run.seconds / run.readBytes / plain);
      rates.push(run.readBytes / 1e6 / run.seconds);
      peaks.push(run.hwm);
      last = run;
      if (i < reps - 1) rmSync(out, { recursive: true, force: true });
    }
    if (!last) throw new Error('no repetition');
    const merged = join(last.dir, 'transformer-generate-merged.onnx');
    const copy = await child<{ seconds: number; baseline: number; hwm: number }>('copy', merged);
    const session = await child<{ seconds: number; baseline: number; hwm: number; rss: number }>('session', merged);
    const rate = summarize(rates).median;
    const peak = summarize(peaks).median;
    return figure('import-scale', {
      value: summarize(ratios),
      details: {
        checkpoint_gb: round(bytes / 1e9),
        read_gb: round(last.readBytes / 1e9),
        import_mb_per_s: round(rate),
        import_peak_rss_mib: round(peak / MIB),
        import_baseline_rss_mib: round(last.baseline / MIB),
        pack_gib: round(last.packBytes / 2 ** 30),
        repeated_tensors_stored_once_gib: round(last.dedupBytes / 2 ** 30),
        cpu_float32_copy_s: round(copy.seconds),
        cpu_float32_copy_peak_rss_mib: round(copy.hwm / MIB),
        cpu_session_load_s: round(session.seconds),
        cpu_session_peak_rss_mib: round(session.hwm / MIB),
        cpu_session_rss_mib: round(session.rss / MIB),
        cpu_session_baseline_rss_mib: round(session.baseline / MIB),
        load_average: loadAverage(),
      },
      notes: [
        `goals: ≥ 200 MB/s (${rate >= 200 ? 'met' : 'missed'}: ${rate.toFixed(0)}), import peak RSS ≤ 2 GB (${peak <= 2e9 ? 'met' : 'missed'}: ${(peak / 1e9).toFixed(2)} GB).`,
        'import: node --import tsx bench/import-child.ts import <release> <out> (importRelease, float16: the LoRA and merged graphs of the task, one shared weights file); MB/s counts the stored bytes read.',
        'CPU session (what a CPU user gets): the float16 pack runs from a float32 copy (models/session/float32-copy.ts), made on the first CPU run (cpu_float32_copy_s: node --import tsx bench/import-child.ts copy <merged onnx>), then the ORT session on that copy (cpu_session_*: import-child.ts session <merged onnx>; CPU provider, arena off, as the app).',
        'The float16 session itself is the GPU path (CUDA/DirectML providers run the float16 graph); no GPU here, so its load time and memory are not measured by this figure.',
        `load average (1, 5, 15 min) when the figure finished: ${loadAverage()}; the machine is shared, so MB/s moves with it.`,
      ],
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
