/**
 * The demo model pack: a closed-form denoiser over a built-in layered library, so the real sampler,
 * layer conditioning, VAE and compositor nodes do real work on CPU in seconds and produce a real layered
 * video. The pack has the real packs' manifest and interfaces; only the maths inside the graphs differs.
 *
 * Library (library.ts, actors.ts, backdrops.ts): 32 foreground actors (4 shapes × 4 colours, each with
 * one of 4 motions in a Latin square, e.g. "red circle moving right", "blue triangle bouncing", each in
 * two lanes) with soft-edged alpha, and 16 backgrounds (8 patterns: gradients, stripes, a checkerboard,
 * textures, waves, each panning two ways), 16 frames of 64×64. Any actor goes over any backdrop; the
 * layers of a pair are fg = actor over flat grey (reference data_video.py: rgb·α in [-1, 1]), alpha =
 * the matte (RGBA only, as a 3-channel clip), bg, and blend = the straight-alpha composite. Variants of a
 * caption are what a seed chooses between; the prompt chooses the caption.
 *
 * VAE (vae.ts): exact space-to-depth. temporalCompression 1 (one latent frame per pixel frame, so every
 * task's frame layout, the duplicated first frame included, is exact), spatialCompression 8, latentChannels
 * 192 (3·8²); the encoder returns CogVideoX-style moments (mean, log-variance −30); latentScale is the real
 * 1.15258426, so a node that forgets it gets wrong layers.
 *
 * Text (vocab.ts, tokenizer-file.ts, text-encoder.ts): a word-level Unigram vocabulary over the captions
 * (tokenizer.json, T5 conventions: pad 0, eos 1, unk 2, "▁" word prefix); the encoder
 * maps each caption-word token to that word's one-hot vector (textHidden = number of caption words), every
 * other token to zero. A layer's prompt is the bag of words over its 226 positions of `context`: the layer
 * identity the real model gets from its layer embedding is, here, the position. So the pack has no
 * layerEmbedder file (the demo manifest kind does not require one).
 *
 * Transformer (denoiser-graph.ts), one graph per task, the real DiT's inputs (`x`, `timesteps`, `context`,
 * `motion_scale`, `content_scale`, and `cond_input` for the spliced tasks, at the frames the config's
 * `condition` names, as reference dit_video_concat.py) → `out`, the v-prediction of the exact posterior
 * mean: with a = the signal level of the timestep (signal-levels.ts), tot = a²·var + 1 − a²,
 *   w_ij ∝ exp(prompt_ij − Σ_f |x_f − a_f·m_ij,f|² / (2·tot_f)),   x0 = Σ_ij w_ij (m_ij + (a·var/tot)(x − a·m_ij)),
 *   out = (a·x − x0) / sqrt(1 − a²),
 * over all (actor i, backdrop j) pairs, m_ij being their layered sequence in latent units. Given frames
 * (cond_input) are clean: a_f = 1, tot_f = conditionVariance, so the posterior is exactly conditional on
 * them. The blend frames' mean fg_i + (1 − α_i)·bg_j lets the pair terms factor through (I×D)·(D×J)
 * products. prompt_ij = temperature × (caption words of actor i named by the fg and blend prompts + words
 * of backdrop j named by the bg and blend prompts); the unconditional row's zero context gives uniform
 * logits, so classifier-free guidance pulls toward the prompts. var = 0 by default: results are library
 * clips exactly (blend = composite of fg and bg), to float32 rounding. The library bytes live in one
 * external data file all task graphs share; ORT turns them into latents once, at session creation.
 */
export { type ClipSize, DEMO_SIZE } from './clip.ts';
export { demoPackDir, ensureDemoPack } from './ensure.ts';
export { toLatentOrder } from './latent-layout.ts';
export { clipLayers, type DemoLibrary, demoLayers, demoLibrary, type LibraryItem } from './library.ts';
export { buildDemoPack, type DemoPackOptions, type DemoVariant } from './pack.ts';
