import type { GraphBuilder } from '../onnx/graph.ts';
import { InitializerTable, type Weights } from '../weights/table.ts';
import { VaeError } from './errors.ts';

/** The VAE's weights as float32 graph initializers, with errors naming the weight (models/weights/table.ts). */
export class VaeWeights extends InitializerTable {
  constructor(g: GraphBuilder, weights: Weights, shapes: ReadonlyMap<string, number[]>) {
    super(g, weights, shapes, 'float32', (code, name, message) => new VaeError(code, name, message));
  }
}
