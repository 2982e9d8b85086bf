import type { GraphBuilder } from '../onnx/graph.ts';
import { VaeError } from './errors.ts';

/** Adds VAE weights to a graph as named initializers on first use, checking presence and size. */
export class VaeWeights {
  private readonly added = new Set<string>();

  constructor(
    private readonly g: GraphBuilder,
    private readonly weights: ReadonlyMap<string, Float32Array>,
    private readonly shapes: ReadonlyMap<string, number[]>,
  ) {}

  /** The initializer for reference parameter `name`. */
  get(name: string): string {
    if (this.added.has(name)) return name;
    const dims = this.shapes.get(name);
    if (!dims) throw new VaeError('missing-weight', name, `${name} is not a parameter of this VAE config`);
    const data = this.weights.get(name);
    if (!data) throw new VaeError('missing-weight', name, `weight ${name} [${dims.join(', ')}] is missing`);
    const count = dims.reduce((a, b) => a * b, 1);
    if (data.length !== count) {
      throw new VaeError(
        'weight-shape',
        name,
        `weight ${name} has ${data.length} values, [${dims.join(', ')}] needs ${count}`,
      );
    }
    this.g.init(name, data, dims, 'float32');
    this.added.add(name);
    return name;
  }
}
