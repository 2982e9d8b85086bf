import { z } from 'zod';

const positiveInt = z.number().int().positive();

/**
 * T5 v1.1 encoder hyperparameters under Hugging Face's `config.json` names (T5Config), so a released
 * config parses as is (other keys are dropped). CogVideoX's T5 v1.1 XXL: d_model 4096, d_kv 64,
 * d_ff 10240, 24 layers, 64 heads, vocab 32128.
 */
export const T5ConfigSchema = z.object({
  vocab_size: positiveInt,
  d_model: positiveInt,
  d_kv: positiveInt,
  d_ff: positiveInt,
  num_layers: positiveInt,
  num_heads: positiveInt,
  relative_attention_num_buckets: positiveInt.default(32),
  relative_attention_max_distance: positiveInt.default(128),
  layer_norm_epsilon: z.number().positive().default(1e-6),
  /** v1.1's gated GELU feed-forward (wi_0, wi_1, wo) with the tanh GELU ("gelu_new"). */
  feed_forward_proj: z.literal('gated-gelu').default('gated-gelu'),
});
export type T5Config = z.infer<typeof T5ConfigSchema>;
