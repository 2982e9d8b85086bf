/**
 * Child of t5-memory.ts: `t5-memory-child.ts <model.onnx> <batch>` creates a CPU ONNX Runtime session for
 * the T5 encoder file, runs `batch` × 226 tokens once and prints one JSON line: RSS (VmRSS) before the
 * session, after creating it and after the run, the peak (VmHWM), and the create and run times.
 */
import { readFileSync } from 'node:fs';
import ort from 'onnxruntime-node';

function statusBytes(field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  if (!m) throw new Error(`/proc/self/status has no ${field}`);
  return Number(m[1]) * 1024;
}

const [file, batchArg] = process.argv.slice(2);
const batch = Number(batchArg);
ort.listSupportedBackends();
const before = statusBytes('VmRSS');
let t = performance.now();
const session = await ort.InferenceSession.create(file, { executionProviders: ['cpu'], intraOpNumThreads: 2 });
const createMs = performance.now() - t;
const created = statusBytes('VmRSS');
const createdPeak = statusBytes('VmHWM');
const ids = BigInt64Array.from({ length: batch * 226 }, (_, i) => BigInt((i * 7919) % 32000));
t = performance.now();
const out = await session.run({ input_ids: new ort.Tensor('int64', ids, [batch, 226]) });
const runMs = performance.now() - t;
const finite = (out.last_hidden_state.data as Float32Array).every(Number.isFinite);
const line = {
  before,
  created,
  createdPeak,
  ran: statusBytes('VmRSS'),
  peak: statusBytes('VmHWM'),
  createMs,
  runMs,
  finite,
};
process.stdout.write(`${JSON.stringify(line)}\n`);
process.exit(0);
