import { encodePng } from '../../media/png.ts';
import { latentRange, type SequenceLayout } from './layout.ts';

/** Preview images are at least this many pixels on their short side (nearest-neighbour upscaling). */
const MIN_SIDE = 64;

/**
 * A decode-free look at a latent sequence [T, C, h, w]: per layer, the middle latent frame of its range,
 * channels 0, C/3 and 2C/3 as red, green and blue, mapped by (v / scale + 1) / 2. On the demo pack's
 * space-to-depth VAE those channels are exactly the R, G, B of every 8th pixel; on a real VAE it is a
 * rough but stable colour view. Returns one PNG data URL per layer.
 */
export function latentPreviews(
  latents: Float32Array,
  layout: SequenceLayout,
  scale: number,
): { label: string; dataUrl: string }[] {
  const [C, h, w] = layout.frameShape;
  const channels = [0, Math.floor(C / 3), Math.floor((2 * C) / 3)];
  const up = Math.max(1, Math.ceil(MIN_SIDE / Math.min(h, w)));
  const [H, W] = [h * up, w * up];
  return layout.layers.map((layer) => {
    const [from, to] = latentRange(layout, layer);
    const f = Math.floor((from + to - 1) / 2);
    const data = new Float32Array(H * W * 3);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const q = Math.floor(y / up) * w + Math.floor(x / up);
        channels.forEach((c, k) => {
          const v = (latents[(f * C + c) * h * w + q] / scale + 1) / 2;
          data[(y * W + x) * 3 + k] = v < 0 ? 0 : v > 1 ? 1 : v;
        });
      }
    }
    const png = encodePng({ frames: 1, height: H, width: W, channels: 3, fps: 1, data });
    return { label: layer, dataUrl: `data:image/png;base64,${png.toString('base64')}` };
  });
}
