import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** Element types the builder writes. */
export type DType = 'float32' | 'float16' | 'int64' | 'int32' | 'bool' | 'uint8';

const DATA_TYPE: Record<DType, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  float16: onnx.TensorProto.DataType.FLOAT16,
  int64: onnx.TensorProto.DataType.INT64,
  int32: onnx.TensorProto.DataType.INT32,
  bool: onnx.TensorProto.DataType.BOOL,
  uint8: onnx.TensorProto.DataType.UINT8,
};

export type TensorData = Float32Array | Uint16Array | BigInt64Array | Int32Array | Uint8Array;

export type AttrValue = number | string | number[] | string[] | { float: number } | { floats: number[] };

/** Dimension: a number, or a symbolic name for a dynamic axis. */
export type Dim = number | string;

export interface SerializeOptions {
  /** Initializers of at least this many bytes go to the external data file (required for models > 2 GB). */
  externalThresholdBytes?: number;
  /** File name (relative to the .onnx) the external data is referenced by. */
  externalDataName?: string;
}

export interface SerializedModel {
  model: Uint8Array;
  /** Present when some initializers were written externally. */
  externalData?: Uint8Array;
}

/** A weight's values, in memory or read on demand (importers stream multi-GB checkpoints one tensor at a time). */
export type InitData = TensorData | (() => TensorData);

interface Initializer {
  name: string;
  dtype: DType;
  dims: number[];
  data: InitData;
  /** Names the stored tensor a lazy weight reads, so a shared external-data file can skip reading it twice. */
  identity?: string;
}

/** Where an initializer's bytes went when they are not inline: ONNX external-data location, offset, length. */
export interface ExternalRef {
  location: string;
  offset: number;
  length: number;
}

/**
 * Decides, per initializer, to keep its bytes inline (undefined) or to store them externally. The bytes are
 * only valid during the call (a lazy weight may be read into a reused buffer): a sink that keeps them copies.
 */
export type PlaceInitializer = (name: string, bytes: Uint8Array, identity?: string) => ExternalRef | undefined;

/** Where encode() puts initializer bytes; `stored` answers for a lazy weight already written, unread. */
export interface InitializerSink {
  place: PlaceInitializer;
  stored?: (identity: string) => ExternalRef | undefined;
}

/** Builds one ONNX graph from typed ops; values are referred to by name. */
export class GraphBuilder {
  private nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  private inits: Initializer[] = [];
  private inputs: InstanceType<typeof onnx.ValueInfoProto>[] = [];
  private outputs: InstanceType<typeof onnx.ValueInfoProto>[] = [];
  private names = new Set<string>();
  private counter = 0;
  private domains = new Map<string, number>();

  constructor(
    readonly name: string,
    readonly opset = 17,
  ) {
    this.domains.set('', opset);
  }

  /** A fresh value name with the given prefix. */
  fresh(prefix: string): string {
    let n = `${prefix}_${this.counter++}`;
    while (this.names.has(n)) n = `${prefix}_${this.counter++}`;
    this.names.add(n);
    return n;
  }

  input(name: string, dtype: DType, shape: Dim[]): string {
    this.claim(name);
    this.inputs.push(valueInfo(name, dtype, shape));
    return name;
  }

  /**
   * Marks an existing value as a graph output (shape may be partly symbolic or omitted). With `as`, the
   * output is published under that name (an Identity node), since op outputs are named by the builder.
   */
  output(name: string, dtype: DType, shape?: Dim[], as?: string): void {
    if (as !== undefined && as !== name) {
      this.claim(as);
      this.nodes.push(
        onnx.NodeProto.create({ opType: 'Identity', name: this.fresh('n_Identity'), input: [name], output: [as] }),
      );
    }
    this.outputs.push(valueInfo(as ?? name, dtype, shape));
  }

  /**
   * A named weight; its name is kept as written so packs can map checkpoint names onto it. `data` may be a
   * function, called once when the graph is serialized, so a model's weights need not sit in memory at once.
   */
  init(name: string, data: InitData, dims: number[], dtype?: DType, identity?: string): string {
    this.claim(name);
    if (typeof data === 'function') {
      if (!dtype) throw new Error(`initializer ${name}: a lazily read weight needs its dtype`);
      this.inits.push({ name, dtype, dims, data, ...(identity ? { identity } : {}) });
      return name;
    }
    return this.addInit(name, data, dims, dtype ?? dtypeOf(data));
  }

  /** An anonymous constant initializer. */
  const(data: TensorData | number[], dims?: number[], dtype?: DType): string {
    const arr = Array.isArray(data) ? Float32Array.from(data) : data;
    return this.addInit(this.fresh('const'), arr, dims ?? [arr.length], dtype ?? dtypeOf(arr));
  }

  private addInit(name: string, data: TensorData, dims: number[], dtype: DType): string {
    const count = dims.reduce((a, b) => a * b, 1);
    if (count !== data.length) {
      throw new Error(`initializer ${name}: ${data.length} elements do not fill dims [${dims.join(',')}]`);
    }
    this.inits.push({ name, dtype, dims, data });
    return name;
  }

  /** An int64 1-D constant (shapes, axes, slice bounds). */
  ints(values: number[]): string {
    return this.const(BigInt64Array.from(values.map(BigInt)), [values.length], 'int64');
  }

  /** Adds a node with one output and returns the output's name. */
  op(type: string, inputs: string[], attrs: Record<string, AttrValue> = {}, domain = ''): string {
    return this.opN(type, inputs, 1, attrs, domain)[0];
  }

  /** Adds a node with `outputs` outputs; '' in inputs stands for an omitted optional input. */
  opN(type: string, inputs: string[], outputs: number, attrs: Record<string, AttrValue> = {}, domain = ''): string[] {
    if (domain && !this.domains.has(domain)) this.domains.set(domain, 1);
    const outs = Array.from({ length: outputs }, () => this.fresh(type));
    this.nodes.push(
      onnx.NodeProto.create({
        opType: type,
        domain,
        name: this.fresh(`n_${type}`),
        input: inputs,
        output: outs,
        attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
      }),
    );
    return outs;
  }

  /** Names and shapes of the weights, in insertion order (for pack manifests and importers). */
  weights(): { name: string; dtype: DType; dims: number[] }[] {
    return this.inits.map(({ name, dtype, dims }) => ({ name, dtype, dims }));
  }

  serialize(options: SerializeOptions = {}): SerializedModel {
    const threshold = options.externalThresholdBytes ?? Number.POSITIVE_INFINITY;
    const location = options.externalDataName ?? `${this.name}.onnx.data`;
    const chunks: Uint8Array[] = [];
    let offset = 0;
    const model = this.encode({
      place: (_name, raw) => {
        if (raw.byteLength < threshold) return undefined;
        // ONNX external data wants each tensor aligned; 64 bytes suits mmap and every dtype.
        const pad = (64 - (offset % 64)) % 64;
        if (pad) chunks.push(new Uint8Array(pad));
        offset += pad;
        chunks.push(raw.slice()); // the sink's bytes are only valid during the call
        const ref = { location, offset, length: raw.byteLength };
        offset += raw.byteLength;
        return ref;
      },
    });
    return chunks.length ? { model, externalData: concat(chunks, offset) } : { model };
  }

  /**
   * The ModelProto bytes, each initializer read (lazy ones now, one at a time) and handed to the sink,
   * which stores it externally or leaves it inline; a lazy weight the sink already stored is not read again.
   * Only inline bytes stay referenced after this returns.
   */
  encode(sink: InitializerSink): Uint8Array {
    const initializer = this.inits.map((init) => {
      const base = { name: init.name, dims: init.dims, dataType: DATA_TYPE[init.dtype] };
      const known = init.identity ? sink.stored?.(init.identity) : undefined;
      let ref = known;
      let raw: Uint8Array | undefined;
      if (!known) {
        const data = typeof init.data === 'function' ? init.data() : init.data;
        const count = init.dims.reduce((a, b) => a * b, 1);
        if (count !== data.length) {
          throw new Error(
            `initializer ${init.name}: ${data.length} elements do not fill dims [${init.dims.join(',')}]`,
          );
        }
        raw = rawBytes(data);
        ref = sink.place(init.name, raw, init.identity);
      }
      // A lazy weight's bytes may be a reused read buffer (TensorSource.toFloat16): kept inline, they are copied.
      if (!ref)
        return onnx.TensorProto.create({ ...base, rawData: typeof init.data === 'function' ? raw?.slice() : raw });
      return onnx.TensorProto.create({
        ...base,
        dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
        externalData: [
          { key: 'location', value: ref.location },
          { key: 'offset', value: String(ref.offset) },
          { key: 'length', value: String(ref.length) },
        ],
      });
    });
    const graph = onnx.GraphProto.create({
      name: this.name,
      node: this.nodes,
      initializer,
      input: this.inputs,
      output: this.outputs,
    });
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'layerflow-studio',
      opsetImport: [...this.domains].map(([domain, version]) => ({ domain, version })),
      graph,
    });
    return onnx.ModelProto.encode(model).finish();
  }

  private claim(name: string): void {
    if (this.names.has(name)) throw new Error(`value name "${name}" is used twice in graph ${this.name}`);
    this.names.add(name);
  }
}

function dtypeOf(data: TensorData): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint16Array) return 'float16';
  return 'uint8';
}

function rawBytes(data: TensorData): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

function valueInfo(name: string, dtype: DType, shape?: Dim[]) {
  const tensorType: Record<string, unknown> = { elemType: DATA_TYPE[dtype] };
  if (shape) {
    tensorType.shape = { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) };
  }
  return onnx.ValueInfoProto.create({ name, type: { tensorType } });
}

function attribute(name: string, v: AttrValue) {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'number') {
    return Number.isInteger(v) ? { name, type: T.INT, i: v } : { name, type: T.FLOAT, f: v };
  }
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x === 'string')) {
      return { name, type: T.STRINGS, strings: (v as string[]).map((s) => new TextEncoder().encode(s)) };
    }
    return { name, type: T.INTS, ints: v as number[] };
  }
  if ('float' in v) return { name, type: T.FLOAT, f: v.float };
  return { name, type: T.FLOATS, floats: v.floats };
}
