import ort from 'onnxruntime-node';
import { fromHalf, toHalf } from './float16.ts';
import type { ManagedSession } from './sessions.ts';

/** Our tensor: shape and data; float16 models still take and give float32 here. */
export interface Tensor {
  dims: number[];
  data: Float32Array | BigInt64Array;
}

const totals = { calls: 0, ms: 0 };

/** Summed ORT run time over all sessions since the last reset (engine wall time ÷ this = overhead). */
export function ortRunStats(): { calls: number; ms: number } {
  return { ...totals };
}

export function resetOrtRunStats(): void {
  totals.calls = 0;
  totals.ms = 0;
}

/** Runs a session on named tensors; checks names, shapes and element types; times the run. */
export async function runSession(
  session: ManagedSession,
  feeds: Record<string, Tensor>,
  outputs?: string[],
): Promise<Record<string, Tensor>> {
  const inputs: Record<string, ort.Tensor> = {};
  for (const meta of session.ort.inputMetadata) {
    const t = feeds[meta.name];
    if (!t) throw new Error(`${session.path}: input ${meta.name} is missing`);
    inputs[meta.name] = toOrt(session.path, meta.name, meta.isTensor ? meta.type : 'non-tensor', t);
  }
  const unknown = Object.keys(feeds).filter((n) => !(n in inputs));
  if (unknown.length) throw new Error(`${session.path}: the model has no input ${unknown.join(', ')}`);
  const start = performance.now();
  const result = await (outputs ? session.ort.run(inputs, outputs) : session.ort.run(inputs));
  const ms = performance.now() - start;
  session.stats.calls++;
  session.stats.ms += ms;
  totals.calls++;
  totals.ms += ms;
  const out: Record<string, Tensor> = {};
  for (const [name, value] of Object.entries(result)) out[name] = fromOrt(session.path, name, value as ort.Tensor);
  return out;
}

function toOrt(file: string, name: string, type: string, t: Tensor): ort.Tensor {
  const count = t.dims.reduce((a, b) => a * b, 1);
  if (count !== t.data.length) {
    throw new Error(`${file}: input ${name} has ${t.data.length} values for dims [${t.dims.join(', ')}]`);
  }
  if (type === 'float32' && t.data instanceof Float32Array) return new ort.Tensor('float32', t.data, t.dims);
  if (type === 'float16' && t.data instanceof Float32Array) return new ort.Tensor('float16', toHalf(t.data), t.dims);
  if (type === 'int64' && t.data instanceof BigInt64Array) return new ort.Tensor('int64', t.data, t.dims);
  throw new Error(`${file}: input ${name} takes ${type}, got ${t.data.constructor.name}`);
}

function fromOrt(file: string, name: string, v: ort.Tensor): Tensor {
  const dims = [...v.dims];
  if (v.type === 'float32') return { dims, data: v.data as Float32Array };
  if (v.type === 'float16') return { dims, data: fromHalf(v.data as Uint16Array) };
  if (v.type === 'int64') return { dims, data: v.data as BigInt64Array };
  throw new Error(`${file}: output ${name} is ${v.type}, which runSession does not convert`);
}
