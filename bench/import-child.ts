/**
 * Child process of the import-scale figure, so peak RSS is the work's alone:
 * `import-child.ts import <release> <out>` imports the release (float16) and prints seconds, bytes read,
 * pack bytes, peak and current RSS; `import-child.ts copy <onnx>` makes the float32 copy a CPU session of a
 * float16 graph loads (what the product does on a user's first CPU run) and prints its seconds and peak RSS;
 * `import-child.ts session <onnx>` creates the CPU ORT session as the app does (a float16 graph on that copy, made already;
 * a float32 graph as it is)
 * and prints its load seconds and RSS (and the RSS before, the Node + ORT baseline).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { importRelease } from '../models/import/pack-import.ts';
import { float32CopyOf } from '../models/session/float32-copy.ts';

function statusBytes(field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  if (!m) throw new Error(`/proc/self/status has no ${field}`);
  return Number(m[1]) * 1024;
}

const [mode, a, b] = process.argv.slice(2);
ort.listSupportedBackends();
const baseline = statusBytes('VmRSS');
if (mode === 'import') {
  const r = await importRelease({
    inputs: [join(a, 'LayerFlow'), join(a, 'CogVideoX-2b-sat')],
    outDir: b,
    dtype: 'float16',
  });
  const pack = r.packs[0];
  process.stdout.write(
    `${JSON.stringify({ seconds: r.seconds, readBytes: r.readBytes, packBytes: pack.bytes, dedupBytes: pack.deduplicatedBytes, dir: pack.dir, baseline, hwm: statusBytes('VmHWM') })}\n`,
  );
} else if (mode === 'copy') {
  const t0 = performance.now();
  const copy = await float32CopyOf(a);
  if (!copy.copy || !copy.converted) throw new Error(`import-child: ${a} was not converted (${JSON.stringify(copy)})`);
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(`${JSON.stringify({ seconds, baseline, hwm: statusBytes('VmHWM') })}\n`);
} else if (mode === 'session') {
  // A float32 graph (the memory figure's mid pack) loads as it is; a float16 one from the copy made before.
  const copy = await float32CopyOf(a);
  if (copy.copy && copy.converted) throw new Error(`import-child: ${a} had no float32 copy made before`);
  const t0 = performance.now();
  const session = await ort.InferenceSession.create(copy.copy ? copy.path : a, {
    executionProviders: ['cpu'],
    enableCpuMemArena: false,
  });
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(
    `${JSON.stringify({ seconds, baseline, hwm: statusBytes('VmHWM'), rss: statusBytes('VmRSS') })}\n`,
  );
  await session.release();
} else {
  throw new Error(`import-child: mode ${mode}: want import, copy or session`);
}
process.exit(0);
