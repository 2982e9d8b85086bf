import type { Tensor } from '../session/run.ts';

/** What a decoder built with carry takes for `cache_in.<i>` in a first pass: any shape that broadcasts. */
const NO_CACHE: Tensor = { dims: [1, 1, 1, 1, 1], data: new Float32Array(1) };

/**
 * The `carry` flag and every `cache_in.<i>` of a decoder built with carry (layers.ts CausalCarry): the
 * previous pass's `cache_out.<i>` renamed, or, for a first pass (`previous` absent), placeholders. Nothing
 * for a decoder without carry.
 */
export function carryFeeds(inputNames: readonly string[], previous?: Record<string, Tensor>): Record<string, Tensor> {
  if (!inputNames.includes('carry')) return {};
  const feeds: Record<string, Tensor> = { carry: { dims: [1], data: Float32Array.of(previous ? 1 : 0) } };
  for (const name of inputNames) {
    if (!name.startsWith('cache_in.')) continue;
    const cache = previous ? previous[name.replace('cache_in.', 'cache_out.')] : NO_CACHE;
    if (!cache) throw new Error(`the previous decoder pass gave no ${name.replace('cache_in.', 'cache_out.')}`);
    feeds[name] = cache;
  }
  return feeds;
}
