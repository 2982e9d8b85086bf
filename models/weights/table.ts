import type { GraphBuilder } from '../onnx/graph.ts';
import type { FloatType } from '../onnx/nn.ts';
import { toHalf } from '../session/float16.ts';
import { numel, type TensorSource } from './source.ts';

/** A weight in memory, or one still in its checkpoint (read when the graph is written). */
export type Weight = Float32Array | TensorSource;
export type Weights = ReadonlyMap<string, Weight>;

/** Why a weight cannot go into a graph. */
export type WeightIssue = 'missing-weight' | 'weight-shape';

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
    /** Names looked up under another name when absent (T5's embed_tokens is its shared embedding). */
    private readonly aliases: Readonly<Record<string, string>> = {},
  ) {}

  /** The initializer for reference parameter `name`. */
  get(name: string): string {
    if (this.added.has(name)) return name;
    const dims = this.dims(name);
    const weight = this.weights.get(name) ?? (this.aliases[name] ? this.weights.get(this.aliases[name]) : undefined);
    if (!weight) throw this.fail('missing-weight', name, `weight ${name} [${dims.join(', ')}] is missing`);
    const count = numel(dims);
    const have = weight instanceof Float32Array ? weight.length : numel(weight.shape);
    if (have !== count) {
      const where =
        weight instanceof Float32Array ? '' : ` (${weight.file}: ${weight.key} is [${weight.shape.join(', ')}])`;
      throw this.fail(
        'weight-shape',
        name,
        `weight ${name} has ${have} values, [${dims.join(', ')}] needs ${count}${where}`,
      );
    }
    const read = () => (weight instanceof Float32Array ? weight : weight.toFloat32());
    // A stored tensor is named by where it lives, so graphs sharing a weights file read it once.
    const identity = weight instanceof Float32Array ? undefined : `${weight.file}\0${weight.key}\0${this.dtype}`;
    if (this.dtype === 'float16') this.g.init(name, () => toHalf(read()), dims, 'float16', identity);
    else this.g.init(name, read, dims, 'float32', identity);
    this.added.add(name);
    return name;
  }

  /** The shape of parameter `name` under this config. */
  dims(name: string): number[] {
    const dims = this.shapes.get(name);
    if (!dims) throw this.fail('missing-weight', name, `${name} is not a parameter of this architecture's config`);
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
