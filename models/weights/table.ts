import type { GraphBuilder } from '../onnx/graph.ts';
import type { FloatType } from '../onnx/nn.ts';
import { toHalf } from '../session/float16.ts';
import { numel, type TensorSource } from './source.ts';

/** A weight in memory, or one still in its checkpoint (read when the graph is written). */
export type Weight = Float32Array | TensorSource;
export type Weights = ReadonlyMap<string, Weight>;

/** Why a weight cannot go into a graph. */
export type WeightIssue = 'missing-weight' | 'weight-shape' | 'weight-range';

export interface TableOptions {
  /** Names looked up under another name when absent (T5's embed_tokens is its shared embedding). */
  aliases?: Readonly<Record<string, string>>;
  /** The stored type of a weight, when not every weight takes the graph's (T5 keeps its norms in float32). */
  dtypeOf?: (name: string, dims: number[]) => FloatType;
}

/**
 * Adds an architecture's weights to a graph as named initializers on first use: checks each is there with
 * the shape the config implies, and stores it in the graph's float type. Checkpoint tensors are read only
 * when the graph is encoded, one at a time, so importing a multi-GB model never holds it all in memory.
 */
export class InitializerTable {
  private readonly added = new Set<string>();

  constructor(
    private readonly g: GraphBuilder,
    private readonly weights: Weights,
    private readonly shapes: ReadonlyMap<string, number[]>,
    private readonly dtype: FloatType,
    private readonly fail: (code: WeightIssue, name: string, message: string) => Error,
    private readonly options: TableOptions = {},
  ) {}

  /** The initializer for reference parameter `name`. */
  get(name: string): string {
    if (this.added.has(name)) return name;
    const dims = this.dims(name);
    const alias = this.options.aliases?.[name];
    const weight = this.weights.get(name) ?? (alias ? this.weights.get(alias) : undefined);
    if (!weight) throw this.fail('missing-weight', name, `weight ${name} [${dims.join(', ')}] is missing`);
    this.checkShape(name, weight, dims);
    const read = () => (weight instanceof Float32Array ? weight : weight.toFloat32());
    const dtype = this.options.dtypeOf?.(name, dims) ?? this.dtype;
    // A stored tensor is named by where it lives, so graphs sharing a weights file read it once.
    const identity = weight instanceof Float32Array ? undefined : `${weight.file}\0${weight.key}\0${dtype}`;
    if (dtype === 'float16') this.g.init(name, () => this.half(name, read()), dims, 'float16', identity);
    else this.g.init(name, read, dims, 'float32', identity);
    this.added.add(name);
    return name;
  }

  private checkShape(name: string, weight: Weight, dims: number[]): void {
    if (weight instanceof Float32Array) {
      if (weight.length === numel(dims)) return;
      throw this.fail(
        'weight-shape',
        name,
        `weight ${name} has ${weight.length} values, [${dims.join(', ')}] needs ${numel(dims)}`,
      );
    }
    if (weight.shape.length === dims.length && weight.shape.every((d, i) => d === dims[i])) return;
    // Same values in another shape ([1, N, D] vs [N, D]) are fine; anything else names the stored key.
    if (
      numel(weight.shape) === numel(dims) &&
      weight.shape.filter((d) => d !== 1).join() === dims.filter((d) => d !== 1).join()
    )
      return;
    throw this.fail(
      'weight-shape',
      name,
      `${weight.file}: ${weight.key} is [${weight.shape.join(', ')}], ${name} must be [${dims.join(', ')}]`,
    );
  }

  /** float16 bits of a weight, refusing values float16 cannot hold (they would become ±inf). */
  private half(name: string, data: Float32Array): Uint16Array {
    let max = 0;
    for (let i = 0; i < data.length; i++) max = Math.max(max, Math.abs(data[i]));
    if (!(max <= 65504)) {
      throw this.fail('weight-range', name, `weight ${name} holds ${max}, beyond float16's ±65504: use float32`);
    }
    return toHalf(data);
  }

  /** The shape of parameter `name` under this config. */
  dims(name: string): number[] {
    const dims = this.shapes.get(name);
    if (!dims) throw this.fail('missing-weight', name, `${name} is not a parameter of this model's config`);
    return dims;
  }

  /** Whether the caller supplied `name` (for derived tables such as a position table). */
  supplied(name: string): boolean {
    return this.weights.has(name);
  }

  /** A weight if the config has it (affine norms), else undefined. */
  optional(name: string): string | undefined {
    return this.shapes.has(name) ? this.get(name) : undefined;
  }
}
