/**
 * Child process of the import-scale figure, so peak RSS is the work's alone:
 * `import-child.ts import <release> <out>` imports the release (float16) and prints seconds, bytes read,
 * pack bytes, peak and current RSS; `import-child.ts session <onnx>` creates the CPU ORT session for one
 * transformer and prints its load seconds and RSS (and the RSS before, the Node + ORT baseline).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { importRelease } from '../models/import/pack-import.ts';

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
} else if (mode === 'session') {
  const t0 = performance.now();
  const session = await ort.InferenceSession.create(a, { executionProviders: ['cpu'], enableCpuMemArena: false });
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(
    `${JSON.stringify({ seconds, baseline, hwm: statusBytes('VmHWM'), rss: statusBytes('VmRSS') })}\n`,
  );
  await session.release();
} else {
  throw new Error(`import-child: mode ${mode}: want import or session`);
}
process.exit(0);
