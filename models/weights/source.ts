/**
 * Weights as importers find them in released files (torch zip-pickles, safetensors shards), read one tensor
 * at a time so a multi-GB checkpoint never has to sit in memory whole. Architectures (DiT, T5, VAE) name
 * tensors with the reference's parameter names; importers map file keys onto those names.
 */

/** Element types of stored weights. */
export type WeightDType = 'float32' | 'float16' | 'bfloat16';

/** One stored tensor, not yet read. */
export interface TensorSource {
  /** Stored element type (bfloat16 widens to float32 exactly). */
  readonly dtype: WeightDType;
  readonly shape: readonly number[];
  /** Where it lives, for error messages: file and key inside it. */
  readonly file: string;
  readonly key: string;
  /** The values as contiguous row-major float32 (a fresh array each call). */
  toFloat32(): Float32Array;
  /**
   * The values as float16 bits, as `toHalf(toFloat32())` would give them (NaNs may keep their payload), read
   * straight from 16-bit storage where the source can: importing a bfloat16 checkpoint as float16 never
   * widens it. The array may be the shared read buffer (`halfScratch`), valid until the next `toFloat16`
   * call of any source: copy what must be kept.
   */
  toFloat16?(): Uint16Array;
}

/** Reference parameter name → stored tensor. */
export type WeightSource = ReadonlyMap<string, TensorSource>;

/** Element count of a shape. */
export const numel = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Reads every tensor of a source into memory (tiny models and tests). */
export function readAll(source: WeightSource): Map<string, Float32Array> {
  return new Map([...source].map(([name, t]) => [name, t.toFloat32()] as const));
}
