/**
 * `node --import tsx bench/dit-profile.ts <model.onnx> [runs] [batch]`: where a CPU forward of a graph spends
 * its time, by ONNX op type, from ONNX Runtime's own profiler (`enableProfiling`). A float16 graph is
 * profiled as the float32 copy CPU sessions load (models/session/float32-copy.ts). Inputs are random, with
 * every symbolic dim set to `batch` (2: the CFG batch). Prints one line per op type, slowest first.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { mulberry32, uniformArray } from '../models/random.ts';
import { float32CopyOf } from '../models/session/float32-copy.ts';

interface ProfileEvent {
  cat: string;
  name: string;
  dur: number;
  args?: { op_name?: string };
}

const [file, runsArg = '3', batchArg = '2'] = process.argv.slice(2);
if (!file) throw new Error('usage: dit-profile.ts <model.onnx> [runs] [batch]');
const runs = Number(runsArg);
const batch = Number(batchArg);
const dir = await mkdtemp(join(tmpdir(), 'lf-dit-profile-'));
const copy = await float32CopyOf(file);
const model = copy.copy ? copy.path : file;
const session = await ort.InferenceSession.create(model, {
  executionProviders: ['cpu'],
  enableCpuMemArena: false,
  enableProfiling: true,
  profileFilePrefix: join(dir, 'profile'),
});
const next = mulberry32(1);
const feeds: Record<string, ort.Tensor> = {};
for (const meta of session.inputMetadata) {
  if (!meta.isTensor) throw new Error(`${meta.name} is not a tensor`);
  const dims = meta.shape.map((d) => (typeof d === 'number' ? d : batch));
  const n = dims.reduce((a, b) => a * b, 1);
  const lo = meta.name === 'timesteps' ? 0 : -1;
  const hi = meta.name === 'timesteps' ? 999 : 1;
  feeds[meta.name] = new ort.Tensor('float32', uniformArray(next, n, lo, hi), dims);
}
const wall: number[] = [];
for (let i = 0; i < runs + 1; i++) {
  const t0 = performance.now();
  await session.run(feeds);
  wall.push(performance.now() - t0);
}
session.endProfiling(); // onnxruntime-node returns nothing: the file is <prefix>_<timestamp>.json
await session.release();
const name = (await readdir(dir)).find((f) => f.startsWith('profile') && f.endsWith('.json'));
if (!name) throw new Error(`ONNX Runtime wrote no profile into ${dir}`);
const profile = join(dir, name);
const events = JSON.parse(await readFile(profile, 'utf8')) as ProfileEvent[];
await rm(dir, { recursive: true, force: true });
// The first run is warm-up: it is left out of the per-op sums by skipping its share of node events.
const nodeEvents = events.filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time'));
const perRun = nodeEvents.length / (runs + 1);
const byOp = new Map<string, { us: number; count: number }>();
for (const e of nodeEvents.slice(perRun)) {
  const op = e.args?.op_name ?? '?';
  const s = byOp.get(op) ?? { us: 0, count: 0 };
  s.us += e.dur;
  s.count++;
  byOp.set(op, s);
}
const total = [...byOp.values()].reduce((a, s) => a + s.us, 0);
const ms = (us: number) => (us / 1000 / runs).toFixed(2);
console.log(
  `${model}: ${runs} runs, batch ${batch}; wall ms ${wall
    .slice(1)
    .map((w) => w.toFixed(1))
    .join(' ')}`,
);
console.log(`kernel time ${ms(total)} ms per run, ${perRun} kernels per run`);
for (const [op, s] of [...byOp].sort((a, b) => b[1].us - a[1].us)) {
  console.log(
    `${op.padEnd(24)} ${ms(s.us).padStart(9)} ms ${((100 * s.us) / total).toFixed(1).padStart(5)} %  ×${s.count / runs}`,
  );
}
