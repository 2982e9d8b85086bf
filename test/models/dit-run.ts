import * as ort from 'onnxruntime-node';
import type { GraphBuilder } from '../../models/onnx/graph.ts';

export type Feeds = Record<string, { data: Float32Array; dims: number[] }>;

/** Runs a built graph once on the CPU and returns its float32 outputs by name; feeds it lacks are left out. */
export async function runGraph(g: GraphBuilder, feeds: Feeds): Promise<Record<string, Float32Array>> {
  const session = await ort.InferenceSession.create(g.serialize().model, { intraOpNumThreads: 2 });
  try {
    const inputs = Object.fromEntries(
      Object.entries(feeds)
        .filter(([k]) => session.inputNames.includes(k))
        .map(([k, v]) => [k, new ort.Tensor('float32', v.data, v.dims)]),
    );
    const out = await session.run(inputs);
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data as Float32Array]));
  } finally {
    await session.release();
  }
}

/** ‖got − want‖ / ‖want‖, max |got − want| and the golden files' metric max |got − want| / max |want|. */
export function errors(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
): { rel: number; maxAbs: number; maxRel: number } {
  let num = 0;
  let den = 0;
  let maxAbs = 0;
  let maxRef = 0;
  for (let i = 0; i < want.length; i++) {
    const d = got[i] - want[i];
    num += d * d;
    den += want[i] * want[i];
    maxAbs = Math.max(maxAbs, Math.abs(d));
    maxRef = Math.max(maxRef, Math.abs(want[i]));
  }
  return { rel: Math.sqrt(num / Math.max(den, 1e-30)), maxAbs, maxRel: maxAbs / Math.max(maxRef, 1e-30) };
}
