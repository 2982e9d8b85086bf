import type { GraphBuilder } from '../onnx/graph.ts';
import { concat } from '../onnx/nn.ts';
import { frameConv2d, nearestResize, oddFrameCount, TIME } from './layers.ts';
import type { VaeWeights } from './weight-table.ts';

/**
 * DownSample3D (with conv). With `compressTime`, time is halved as the reference does for each parity:
 * odd T keeps the first frame and averages the rest in pairs (= average-pooling [x0, x0, x1, …] in pairs,
 * which also leaves T = 1 alone); even T averages all frames in pairs. The first frame is prepended only
 * when T is odd (a slice of length T mod 2), so one graph serves both. Then zero padding on the right and
 * bottom and a stride-2 3×3 Conv2d per frame.
 */
export function downsample3d(g: GraphBuilder, w: VaeWeights, x: string, name: string, compressTime: boolean): string {
  let h = x;
  if (compressTime) {
    const head = g.op('Slice', [h, g.ints([0]), oddFrameCount(g, h), g.ints([TIME])]);
    h = g.op('AveragePool', [concat(g, [head, h], TIME)], { kernel_shape: [2, 1, 1], strides: [2, 1, 1] });
  }
  return frameConv2d(g, w, h, `${name}.conv`, { strides: [2, 2], pads: [0, 0, 0, 0, 1, 1] });
}

/**
 * Upsample3D (with conv). With `compressTime`, nearest ×2 in time; for odd T the first frame is not
 * doubled (the reference's split-first-frame path, T → 2T − 1, and T = 1 stays one frame), for even T
 * every frame is (T → 2T). Space always ×2 nearest, then a 3×3 Conv2d per frame.
 */
export function upsample3d(g: GraphBuilder, w: VaeWeights, x: string, name: string, compressTime: boolean): string {
  let h = x;
  // time first, while frames are small: the same values as one resize of all three axes, fewer bytes moved
  if (compressTime) {
    h = nearestResize(g, h, [1, 1, 2, 1, 1]);
    h = g.op('Slice', [h, oddFrameCount(g, x), g.ints([Number.MAX_SAFE_INTEGER]), g.ints([TIME])]);
  }
  h = nearestResize(g, h, [1, 1, 1, 2, 2]);
  return frameConv2d(g, w, h, `${name}.conv`, { pads: [0, 1, 1, 0, 1, 1] });
}
