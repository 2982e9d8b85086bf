import type { DenoiserTables } from './denoiser-graph.ts';
import { toLatentOrder } from './latent-layout.ts';
import type { DemoLibrary } from './library.ts';
import { wordVectors } from './vocab.ts';

/** The library as the denoiser graph holds it: each clip's bytes in latent order, caption word vectors. */
export function denoiserTables(lib: DemoLibrary, words: readonly string[], spatial: number): DenoiserTables {
  const latent = (clips: Uint8Array[], channels: 1 | 3) =>
    concatBytes(clips.map((c) => toLatentOrder(c, lib.size, spatial, channels)));
  const actorCaptions = lib.actors.map((a) => a.caption);
  const backdropCaptions = lib.backdrops.map((b) => b.caption);
  return {
    actorRgb: latent(
      lib.actors.map((a) => a.clip.rgb),
      3,
    ),
    actorAlpha: latent(
      lib.actors.map((a) => a.clip.alpha ?? missingMatte(a.caption)),
      1,
    ),
    backdropRgb: latent(
      lib.backdrops.map((b) => b.clip.rgb),
      3,
    ),
    actorWords: wordVectors(actorCaptions, words),
    backdropWords: wordVectors(backdropCaptions, words),
  };
}

function missingMatte(caption: string): never {
  throw new Error(`demo library: actor "${caption}" has no alpha matte`);
}

function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
