import { GraphBuilder } from '../../models/onnx/graph.ts';
import { layerOrderOf, referenceConditions } from '../../models/pack/conditions.ts';
import type { FileSource, ManifestDraft } from '../../models/pack/write.ts';

/** A stand-in transformer with the input layout the header check looks for. */
export function stubTransformer(channels: number, tokens: number, textHidden: number): Uint8Array {
  const g = new GraphBuilder('stub');
  const x = g.input('x', 'float32', ['batch', 'frames', channels, 4, 6]);
  g.input('cond_input', 'float32', ['batch', 'cond_frames', channels, 4, 6]);
  g.input('context', 'float32', ['batch', tokens, textHidden]);
  g.input('timesteps', 'float32', ['batch']);
  g.output(g.op('Identity', [x]), 'float32');
  return g.serialize().model;
}

/** Random bytes from a seed (xorshift), so fixture files differ and are reproducible. */
export function seededBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = s & 0xff;
  }
  return out;
}

/** A small RGBA pack draft with its contents: every role, one transformer per task pair. */
export function fixturePack(channels = 4): { draft: ManifestDraft; contents: Record<string, FileSource> } {
  const tokens = 3 * 7;
  const draft: ManifestDraft = {
    format: 'layerflow-pack',
    formatVersion: 1,
    kind: 'layerflow',
    variant: 'rgba',
    name: 'fixture',
    description: 'test fixture',
    tasks: ['fg-to-bg', 'bg-to-fg'],
    files: {
      textEncoder: { path: 'text-encoder.onnx' },
      tokenizer: { path: 'tokenizer/spiece.model' },
      transformer: { path: 'transformer.onnx', externalData: { path: 'transformer.onnx.data' } },
      vaeEncoder: { path: 'vae-encoder.onnx' },
      vaeDecoder: { path: 'vae-decoder.onnx' },
      layerEmbedder: { path: 'layer-embedder.safetensors' },
    },
    config: {
      latentChannels: 4,
      temporalCompression: 4,
      spatialCompression: 8,
      patchSize: 2,
      layerOrder: layerOrderOf('rgba'),
      framesPerLayer: 8,
      textTokensPerLayer: 7,
      textHidden: 16,
      latentScale: 1.15258426,
      schedule: { shift: 3, steps: 50, cfgScale: 6, cfgExp: 5 },
      condition: referenceConditions('rgba', 2),
      dtype: 'float32',
      size: { width: 48, height: 32 },
      fps: 8,
    },
  };
  const contents: Record<string, FileSource> = {
    'text-encoder.onnx': seededBytes(301, 1),
    'tokenizer/spiece.model': seededBytes(77, 2),
    'transformer.onnx': stubTransformer(channels, tokens, 16),
    'transformer.onnx.data': seededBytes(1031, 3),
    'vae-encoder.onnx': seededBytes(211, 4),
    'vae-decoder.onnx': seededBytes(199, 5),
    'layer-embedder.safetensors': seededBytes(64, 6),
  };
  return { draft, contents };
}
