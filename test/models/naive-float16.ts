import onnxProto from 'onnx-proto';
import { toHalf } from '../../models/session/float16.ts';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const FLOAT16 = onnx.TensorProto.DataType.FLOAT16;

/**
 * The textbook float16 conversion of a float32 model (onnxconverter-common `convert_float_to_float16`
 * with float32 outputs kept): every float initializer and every Cast to float becomes float16, so all
 * activations are float16, and a Cast to float32 feeds each output. What a user gets from a converter.
 */
export function naiveFloat16(model: Uint8Array): Uint8Array {
  const m = onnx.ModelProto.decode(model);
  const graph = m.graph as onnxProto.onnx.IGraphProto;
  const nodes = graph.node ?? [];
  for (const t of graph.initializer ?? []) {
    if (t.dataType !== FLOAT) continue;
    const raw = t.rawData as Uint8Array;
    const f32 = new Float32Array(new Uint8Array(raw).buffer, 0, raw.byteLength / 4);
    const half = toHalf(f32);
    t.dataType = FLOAT16;
    t.rawData = new Uint8Array(half.buffer);
  }
  for (const n of nodes) {
    if (n.opType !== 'Cast') continue;
    for (const a of n.attribute ?? []) if (a.name === 'to' && Number(a.i) === FLOAT) a.i = FLOAT16;
  }
  for (const out of graph.output ?? []) {
    const name = out.name as string;
    const producer = nodes.find((n) => n.output?.includes(name));
    if (!producer) continue;
    const half = `${name}_float16`;
    producer.output = producer.output?.map((o) => (o === name ? half : o));
    nodes.push(
      onnx.NodeProto.create({
        opType: 'Cast',
        name: `${name}_to_float`,
        input: [half],
        output: [name],
        attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: FLOAT }],
      }),
    );
  }
  return onnx.ModelProto.encode(m).finish();
}
