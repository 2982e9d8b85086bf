import type { GraphBuilder } from '../onnx/graph.ts';
import { concat, sliceAxis } from '../onnx/nn.ts';
import { frameConv2d, nearestResize, TIME } from './layers.ts';
import type { VaeWeights } from './weight-table.ts';

/**
 * DownSample3D (with conv). With `compressTime`, the first frame is kept and the rest averaged in pairs:
 * for T = 1 + 2m frames that equals average-pooling [x0, x0, x1, …, x2m] in pairs, which also covers
 * T = 1 (the reference skips time compression there; (x0 + x0) / 2 = x0). Then zero padding on the
 * right and bottom and a stride-2 3×3 Conv2d per frame.
 */
export function downsample3d(g: GraphBuilder, w: VaeWeights, x: string, name: string, compressTime: boolean): string {
  let h = x;
  if (compressTime) {
    const doubled = concat(g, [sliceAxis(g, h, TIME, 0, 1), h], TIME);
    h = g.op('AveragePool', [doubled], { kernel_shape: [2, 1, 1], strides: [2, 1, 1] });
  }
  return frameConv2d(g, w, h, `${name}.conv`, { strides: [2, 2], pads: [0, 0, 0, 0, 1, 1] });
}

/**
 * Upsample3D (with conv). With `compressTime`, nearest ×2 in time for all frames but the first: for
 * T = 1 + m that equals repeating every frame twice and dropping the first copy (T = 1 stays one frame,
 * as the reference's 2-D path). Space always ×2 nearest, then a 3×3 Conv2d per frame.
 */
export function upsample3d(g: GraphBuilder, w: VaeWeights, x: string, name: string, compressTime: boolean): string {
  let h = nearestResize(g, x, [1, 1, compressTime ? 2 : 1, 2, 2]);
  if (compressTime) h = sliceAxis(g, h, TIME, 1, Number.MAX_SAFE_INTEGER);
  return frameConv2d(g, w, h, `${name}.conv`, { pads: [0, 1, 1, 0, 1, 1] });
}
