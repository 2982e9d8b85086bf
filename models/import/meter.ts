import { numel, type TensorSource } from '../weights/source.ts';
import type { Weight, Weights } from '../weights/table.ts';

const STORED_BYTES = { float32: 4, float16: 2, bfloat16: 2 } as const;

/** Bytes of stored weights an import will read and has read, for its progress bar. */
export class ReadMeter {
  planned = 0;
  read = 0;
  /** Tensors counted, by file and key: graphs sharing a weights file read a stored tensor once. */
  private readonly plannedKeys = new Set<string>();
  private readonly readKeys = new Set<string>();

  constructor(private readonly onRead: (read: number, planned: number, what: string) => void = () => {}) {}

  /**
   * `weights` as a graph builder sees them, counting each tensor the builder takes into `planned` and each
   * read into `read` (so the plan is known once the graphs are built, before the first byte is read).
   */
  track(weights: Weights): Weights {
    const meter = this;
    const wrap = (w: Weight): Weight => {
      if (w instanceof Float32Array) return w;
      const bytes = numel(w.shape) * STORED_BYTES[w.dtype];
      const id = `${w.file}\0${w.key}`;
      if (!meter.plannedKeys.has(id)) meter.planned += bytes;
      meter.plannedKeys.add(id);
      return {
        dtype: w.dtype,
        shape: w.shape,
        file: w.file,
        key: w.key,
        toFloat32() {
          const out = w.toFloat32();
          if (!meter.readKeys.has(id)) meter.read += bytes;
          meter.readKeys.add(id);
          meter.onRead(meter.read, meter.planned, w.key);
          return out;
        },
      } satisfies TensorSource;
    };
    return {
      get: (name: string) => {
        const w = weights.get(name);
        return w === undefined ? undefined : wrap(w);
      },
      has: (name: string) => weights.has(name),
    } as Weights;
  }
}
