import { type FileHandle, open } from 'node:fs/promises';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** A graph input as declared in the model: element type and dims (numbers, or names for dynamic axes). */
export interface GraphInput {
  name: string;
  dtype: string;
  dims: (number | string)[];
}

const ELEM: Record<number, string> = {
  1: 'float32',
  2: 'uint8',
  6: 'int32',
  7: 'int64',
  9: 'bool',
  10: 'float16',
  16: 'bfloat16',
};
const MODEL_GRAPH = 7; // ModelProto.graph
const GRAPH_INPUT = 11; // GraphProto.input

/**
 * Reads only the graph inputs of an ONNX file: walks the protobuf fields with positioned reads and
 * skips nodes and initializers, so a 2 GB model costs a few thousand small reads, not a full decode.
 */
export async function readGraphInputs(path: string): Promise<GraphInput[]> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    const graph = await findField(fh, 0, size, MODEL_GRAPH);
    if (!graph) throw new Error('no graph in this ONNX file');
    const inputs: GraphInput[] = [];
    await eachField(fh, graph.start, graph.end, async (field, start, end) => {
      if (field !== GRAPH_INPUT) return;
      const bytes = Buffer.alloc(end - start);
      await fh.read(bytes, 0, bytes.length, start);
      inputs.push(toGraphInput(onnx.ValueInfoProto.decode(bytes)));
    });
    return inputs;
  } finally {
    await fh.close();
  }
}

function toGraphInput(v: InstanceType<typeof onnx.ValueInfoProto>): GraphInput {
  const t = v.type?.tensorType;
  const dims = (t?.shape?.dim ?? []).map((d) => (d.dimParam ? d.dimParam : Number(d.dimValue ?? 0)));
  return { name: v.name ?? '', dtype: ELEM[t?.elemType ?? 0] ?? `type${t?.elemType}`, dims };
}

type Span = { start: number; end: number };

async function findField(fh: FileHandle, from: number, to: number, want: number): Promise<Span | undefined> {
  let found: Span | undefined;
  await eachField(fh, from, to, async (field, start, end) => {
    if (field === want && !found) found = { start, end };
  });
  return found;
}

/** Calls `visit` with the byte span of each length-delimited field in [from, to); skips the rest. */
async function eachField(
  fh: FileHandle,
  from: number,
  to: number,
  visit: (field: number, start: number, end: number) => Promise<void>,
): Promise<void> {
  let pos = from;
  while (pos < to) {
    const [tag, afterTag] = await varint(fh, pos);
    const wire = tag % 8;
    const field = Math.floor(tag / 8);
    if (wire === 0) pos = (await varint(fh, afterTag))[1];
    else if (wire === 1) pos = afterTag + 8;
    else if (wire === 5) pos = afterTag + 4;
    else if (wire === 2) {
      const [len, start] = await varint(fh, afterTag);
      if (start + len > to) throw new Error(`field ${field} at byte ${pos} runs past its message (truncated file?)`);
      await visit(field, start, start + len);
      pos = start + len;
    } else throw new Error(`unsupported protobuf wire type ${wire} at byte ${pos}`);
  }
  if (pos !== to) throw new Error('protobuf fields overrun their message (truncated file?)');
}

/** A varint at `pos`: its value and the position after it. */
async function varint(fh: FileHandle, pos: number): Promise<[number, number]> {
  const buf = Buffer.alloc(10);
  const { bytesRead } = await fh.read(buf, 0, 10, pos);
  let value = 0;
  for (let i = 0; i < bytesRead; i++) {
    value += (buf[i] & 0x7f) * 2 ** (7 * i);
    if (buf[i] < 0x80) return [value, pos + i + 1];
  }
  throw new Error(`unterminated varint at byte ${pos} (truncated file?)`);
}
