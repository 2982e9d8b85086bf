import { z } from 'zod';
import { drawText, textHeight, textWidth } from './bitmap-font.ts';
import { composite } from './composite.ts';
import { MediaError } from './errors.ts';
import { checkFrames, emptyFrames, type Frames, frameAt } from './frames.ts';
import { encodePng } from './png.ts';
import { resizeFrame } from './resize.ts';

const rgb = z.tuple([z.number().min(0).max(1), z.number().min(0).max(1), z.number().min(0).max(1)]);

export const ContactSheetOptions = z.object({
  /** Frames shown per layer, evenly spaced from first to last. */
  columns: z.number().int().min(1).max(64).default(6),
  /** Height of each thumbnail in pixels; widths follow each layer's aspect ratio. */
  cellHeight: z.number().int().min(8).max(2048).default(120),
  gap: z.number().int().min(0).max(64).default(6),
  /** Side of one checkerboard square (pixels, at thumbnail size) behind alpha layers. */
  checker: z.number().int().min(1).max(256).default(8),
  background: rgb.default([0.11, 0.11, 0.12]),
  textColor: rgb.default([0.92, 0.92, 0.92]),
  textScale: z.number().int().min(1).max(8).default(2),
});
export type ContactSheetOptions = z.input<typeof ContactSheetOptions>;

export interface SheetLayer {
  label: string;
  frames: Frames;
}

/** Indices of `k` frames evenly spaced over `count` (first and last included). */
export function evenlySpaced(count: number, k: number): number[] {
  const n = Math.min(count, k);
  return Array.from({ length: n }, (_, j) => (n === 1 ? 0 : Math.round((j * (count - 1)) / (n - 1))));
}

/** A grid image: one row per layer (label on the left), evenly spaced frames; alpha layers on a checkerboard. */
export function renderContactSheet(layers: SheetLayer[], options: ContactSheetOptions = {}): Frames {
  const o = ContactSheetOptions.parse(options);
  if (layers.length === 0)
    throw new MediaError('no-frames', 'contact sheet needs at least one layer', { input: 'layers' });
  for (const l of layers) checkFrames(l.frames, `layer ${l.label}`);
  const cellW = layers.map((l) => Math.max(1, Math.round((o.cellHeight * l.frames.width) / l.frames.height)));
  const labelW = Math.max(...layers.map((l) => textWidth(l.label, o.textScale))) + o.gap;
  const width =
    o.gap +
    labelW +
    Math.max(...layers.map((l, i) => evenlySpaced(l.frames.frames, o.columns).length * (cellW[i] + o.gap)));
  const height = o.gap + layers.length * (o.cellHeight + o.gap);
  const sheet = emptyFrames({ frames: 1, height, width, channels: 3, fps: layers[0].frames.fps });
  fillPixels(sheet.data, o.background);
  layers.forEach((layer, row) => {
    const top = o.gap + row * (o.cellHeight + o.gap);
    drawText(
      sheet,
      layer.label,
      o.gap,
      top + Math.floor((o.cellHeight - textHeight(o.textScale)) / 2),
      o.textScale,
      o.textColor,
    );
    evenlySpaced(layer.frames.frames, o.columns).forEach((f, col) => {
      const thumb = thumbnail(layer.frames, f, cellW[row], o.cellHeight, o.checker);
      blit(sheet, thumb, o.gap + labelW + col * (cellW[row] + o.gap), top);
    });
  });
  return sheet;
}

/** The contact sheet encoded as PNG. */
export function contactSheet(layers: SheetLayer[], options: ContactSheetOptions = {}): Buffer {
  return encodePng(renderContactSheet(layers, options));
}

/** Frame f at thumbnail size, RGB; alpha is composited over a checkerboard at full size first (exact). */
function thumbnail(clip: Frames, f: number, width: number, height: number, checker: number): Frames {
  const frame = frameAt(clip, f);
  if (clip.channels === 3) return resizeFrame(frame, 0, width, height);
  const square = Math.max(1, Math.round((checker * clip.height) / height));
  const board = checkerboard(clip.width, clip.height, square);
  return resizeFrame(composite({ fg: frame, bg: board }), 0, width, height);
}

function checkerboard(width: number, height: number, square: number): Frames {
  const board = emptyFrames({ frames: 1, height, width, channels: 3, fps: 1 });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = (Math.floor(x / square) + Math.floor(y / square)) % 2 ? 0.62 : 0.82;
      board.data.fill(v, (y * width + x) * 3, (y * width + x) * 3 + 3);
    }
  }
  return board;
}

/** `data` set to `pixel` throughout: one pixel written, then copied onto itself in doubling runs. */
function fillPixels(data: Float32Array, pixel: number[]): void {
  if (data.length === 0) return;
  data.set(pixel);
  for (let n = pixel.length; n < data.length; n *= 2) data.copyWithin(n, 0, Math.min(n, data.length - n));
}

/** Copies an RGB image into frame 0 of `sheet` at (x, y). */
function blit(sheet: Frames, img: Frames, x: number, y: number): void {
  for (let r = 0; r < img.height; r++) {
    sheet.data.set(img.data.subarray(r * img.width * 3, (r + 1) * img.width * 3), ((y + r) * sheet.width + x) * 3);
  }
}
