import onnxProto from 'onnx-proto';
import { halfToFloat } from '../../models/safetensors.ts';
import { floatToHalf } from '../../models/session/float16.ts';

/**
 * A small ONNX evaluator with a GPU's float16 semantics, for the ops the T5 graphs use. ONNX Runtime's CPU
 * provider cannot show float16 overflow: it runs most float16 ops in float32 and drops the Cast pairs
 * between them, so a value past 65504 survives there that becomes inf on CUDA. Here every float16 result
 * is rounded to float16 (inf past ±65504); float32 ops and float16 accumulations (MatMul, ReduceMean,
 * Softmax) compute in float64 before that rounding.
 */
const { onnx } = onnxProto;
type Node = onnxProto.onnx.INodeProto;

export interface Tensor {
  type: 'float32' | 'float16' | 'int64';
  dims: number[];
  /** Floats as numbers already rounded to their type; int64 as numbers. */
  data: Float64Array;
}

const TYPES: Record<number, Tensor['type']> = { 1: 'float32', 10: 'float16', 7: 'int64' };
const size = (dims: number[]) => dims.reduce((a, b) => a * b, 1);

export function roundTo(type: Tensor['type'], data: Float64Array): Float64Array {
  if (type === 'float32') return data.map(Math.fround);
  if (type === 'float16') return data.map((v) => halfToFloat(floatToHalf(v)));
  return data;
}

const tensor = (type: Tensor['type'], dims: number[], data: Float64Array): Tensor => ({
  type,
  dims,
  data: roundTo(type, data),
});

/** Runs `model` on `feeds`; returns every graph output. */
export function evalHalf(model: Uint8Array, feeds: Record<string, Tensor>): Record<string, Tensor> {
  const graph = onnx.ModelProto.decode(model).graph as onnxProto.onnx.IGraphProto;
  const values = new Map<string, Tensor>(Object.entries(feeds));
  for (const t of graph.initializer ?? []) values.set(t.name as string, initializer(t));
  for (const node of graph.node ?? []) {
    const ins = (node.input ?? []).map((n) => values.get(n) as Tensor);
    values.set((node.output ?? [])[0], run(node, ins));
  }
  return Object.fromEntries((graph.output ?? []).map((o) => [o.name, values.get(o.name as string) as Tensor]));
}

function initializer(t: onnxProto.onnx.ITensorProto): Tensor {
  const type = TYPES[t.dataType as number];
  const raw = new Uint8Array(t.rawData as Uint8Array);
  const dims = (t.dims as number[]).map(Number);
  const n = size(dims);
  const data = new Float64Array(n);
  if (type === 'float32') data.set(new Float32Array(raw.buffer, 0, n));
  else if (type === 'float16') new Uint16Array(raw.buffer, 0, n).forEach((h, i) => (data[i] = halfToFloat(h)));
  else new BigInt64Array(raw.buffer, 0, n).forEach((v, i) => (data[i] = Number(v)));
  return { type, dims, data };
}

function attr(node: Node, name: string): number | number[] | undefined {
  const a = node.attribute?.find((x) => x.name === name);
  if (!a) return undefined;
  return a.ints?.length ? a.ints.map(Number) : Number(a.i ?? a.f);
}

function run(node: Node, [a, b, c]: Tensor[]): Tensor {
  switch (node.opType) {
    case 'Add':
      return binary(a, b, (x, y) => x + y);
    case 'Sub':
      return binary(a, b, (x, y) => x - y);
    case 'Mul':
      return binary(a, b, (x, y) => x * y);
    case 'Div':
      return binary(a, b, (x, y) => x / y);
    case 'Max':
      return binary(a, b, Math.max);
    case 'Abs':
      return tensor(a.type, a.dims, a.data.map(Math.abs));
    case 'Sqrt':
      return tensor(a.type, a.dims, a.data.map(Math.sqrt));
    case 'Identity':
      return a;
    case 'Cast':
      return tensor(TYPES[attr(node, 'to') as number], a.dims, a.data);
    case 'FastGelu':
      return tensor(
        a.type,
        a.dims,
        a.data.map((x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)))),
      );
    case 'ReduceMean':
    case 'ReduceMax':
      return reduceLast(a, node.opType === 'ReduceMax');
    case 'Softmax':
      return softmaxLast(a);
    case 'MatMul':
      return matmul(a, b);
    case 'Transpose':
      return transpose(a, attr(node, 'perm') as number[]);
    case 'Reshape':
      return { ...a, dims: reshapeDims(a.dims, [...b.data]) };
    case 'Unsqueeze': {
      const dims = [...a.dims];
      for (const axis of [...b.data].sort()) dims.splice(axis, 0, 1);
      return { ...a, dims };
    }
    case 'Shape': {
      const start = (attr(node, 'start') as number | undefined) ?? 0;
      const end = (attr(node, 'end') as number | undefined) ?? a.dims.length;
      return tensor('int64', [end - start], Float64Array.from(a.dims.slice(start, end)));
    }
    case 'Concat':
      return tensor(a.type, [a.dims[0] + b.dims[0]], Float64Array.from([...a.data, ...b.data]));
    case 'Slice':
      return slice(a, [...b.data], [...c.data]);
    case 'Gather':
      return gather(a, b);
    default:
      throw new Error(`half-eval: op ${node.opType} is not implemented`);
  }
}

function binary(a: Tensor, b: Tensor, f: (x: number, y: number) => number): Tensor {
  const rank = Math.max(a.dims.length, b.dims.length);
  const pad = (d: number[]) => [...new Array(rank - d.length).fill(1), ...d];
  const [da, db] = [pad(a.dims), pad(b.dims)];
  const dims = da.map((x, i) => Math.max(x, db[i]));
  const out = new Float64Array(size(dims));
  const index = (d: number[], coord: number[]) => coord.reduce((acc, c, i) => acc * d[i] + (d[i] === 1 ? 0 : c), 0);
  const coord = new Array(rank).fill(0);
  for (let i = 0; i < out.length; i++) {
    out[i] = f(a.data[index(da, coord)], b.data[index(db, coord)]);
    for (let k = rank - 1; k >= 0 && ++coord[k] === dims[k]; k--) coord[k] = 0;
  }
  return tensor(a.type, dims, out);
}

function reduceLast(a: Tensor, max: boolean): Tensor {
  const n = a.dims[a.dims.length - 1];
  const out = new Float64Array(a.data.length / n);
  for (let r = 0; r < out.length; r++) {
    let acc = max ? Number.NEGATIVE_INFINITY : 0;
    for (let i = 0; i < n; i++) acc = max ? Math.max(acc, a.data[r * n + i]) : acc + a.data[r * n + i];
    out[r] = max ? acc : acc / n;
  }
  return tensor(a.type, [...a.dims.slice(0, -1), 1], out);
}

function softmaxLast(a: Tensor): Tensor {
  const n = a.dims[a.dims.length - 1];
  const out = new Float64Array(a.data.length);
  for (let r = 0; r < out.length / n; r++) {
    const row = a.data.subarray(r * n, (r + 1) * n);
    const m = Math.max(...row);
    let z = 0;
    for (let i = 0; i < n; i++) z += Math.exp(row[i] - m);
    for (let i = 0; i < n; i++) out[r * n + i] = Math.exp(row[i] - m) / z;
  }
  return tensor(a.type, a.dims, out);
}

/** [..., M, K] × [..., K, N] with the leading dims broadcast (or b 2-D). */
function matmul(a: Tensor, b: Tensor): Tensor {
  const [m, k] = a.dims.slice(-2);
  const n = b.dims[b.dims.length - 1];
  const batch = size(a.dims.slice(0, -2));
  const bBatch = size(b.dims.slice(0, -2));
  const out = new Float64Array(batch * m * n);
  for (let p = 0; p < batch; p++) {
    const ao = p * m * k;
    const bo = (bBatch === 1 ? 0 : p) * k * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let q = 0; q < k; q++) acc += a.data[ao + i * k + q] * b.data[bo + q * n + j];
        out[(p * m + i) * n + j] = acc;
      }
    }
  }
  return tensor(a.type, [...a.dims.slice(0, -2), m, n], out);
}

function transpose(a: Tensor, perm: number[]): Tensor {
  const dims = perm.map((p) => a.dims[p]);
  const strides = a.dims.map((_, i) => size(a.dims.slice(i + 1)));
  const out = new Float64Array(a.data.length);
  const coord = new Array(dims.length).fill(0);
  for (let i = 0; i < out.length; i++) {
    out[i] = a.data[coord.reduce((acc, c, d) => acc + c * strides[perm[d]], 0)];
    for (let k = dims.length - 1; k >= 0 && ++coord[k] === dims[k]; k--) coord[k] = 0;
  }
  return { type: a.type, dims, data: out };
}

function reshapeDims(from: number[], to: number[]): number[] {
  const dims = to.map((d, i) => (d === 0 ? from[i] : d));
  const known = size(dims.filter((d) => d !== -1));
  return dims.map((d) => (d === -1 ? size(from) / known : d));
}

/** Slices leading axes [starts, ends) (the T5 bucket table: axes 0 and 1). */
function slice(a: Tensor, starts: number[], ends: number[]): Tensor {
  if (a.dims.length !== 2 || starts.some((s) => s !== 0)) throw new Error('half-eval: Slice supports 2-D tops only');
  const [rows, cols] = [Math.min(ends[0], a.dims[0]), Math.min(ends[1], a.dims[1])];
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) out.set(a.data.subarray(r * a.dims[1], r * a.dims[1] + cols), r * cols);
  return { type: a.type, dims: [rows, cols], data: out };
}

/** Gather along axis 0. */
function gather(a: Tensor, idx: Tensor): Tensor {
  const row = size(a.dims.slice(1));
  const out = new Float64Array(idx.data.length * row);
  idx.data.forEach((id, i) => out.set(a.data.subarray(id * row, (id + 1) * row), i * row));
  return { type: a.type, dims: [...idx.dims, ...a.dims.slice(1)], data: out };
}
