/**
 * Where each layer sits in the one long sequence (reference diffusion_video.py): the layer clips are
 * concatenated in pixel time with the first frame duplicated in front (causal VAE), so latent frame 0 is
 * the duplicate and layer i owns latent frames [1 + i·k, 1 + (i+1)·k) with k = framesPerLayer / tc.
 */
export interface SequenceLayout {
  layers: string[];
  /** Pixel frames per layer. */
  framesPerLayer: number;
  /** Latent frames per layer. */
  latentPerLayer: number;
  /** Latent frames in the whole sequence, the leading duplicate included. */
  latentFrames: number;
  /** Pixel frames in the decoded sequence, the leading duplicate included. */
  pixelFrames: number;
}

export function sequenceLayout(layers: string[], framesPerLayer: number, temporalCompression: number): SequenceLayout {
  if (framesPerLayer % temporalCompression !== 0) {
    throw new Error(
      `frames per layer (${framesPerLayer}) must be a multiple of the VAE's temporal compression (${temporalCompression})`,
    );
  }
  const latentPerLayer = framesPerLayer / temporalCompression;
  return {
    layers,
    framesPerLayer,
    latentPerLayer,
    latentFrames: 1 + layers.length * latentPerLayer,
    pixelFrames: 1 + layers.length * framesPerLayer,
  };
}

/** Latent frame range [from, to) of a layer. */
export function latentRange(layout: SequenceLayout, layer: string): [number, number] {
  const i = layout.layers.indexOf(layer);
  if (i < 0) throw new Error(`this model has no ${layer} layer (layers: ${layout.layers.join(', ')})`);
  return [1 + i * layout.latentPerLayer, 1 + (i + 1) * layout.latentPerLayer];
}

/** Pixel frame range [from, to) of a layer in the decoded sequence. */
export function pixelRange(layout: SequenceLayout, layer: string): [number, number] {
  const i = layout.layers.indexOf(layer);
  if (i < 0) throw new Error(`this model has no ${layer} layer (layers: ${layout.layers.join(', ')})`);
  return [1 + i * layout.framesPerLayer, 1 + (i + 1) * layout.framesPerLayer];
}
