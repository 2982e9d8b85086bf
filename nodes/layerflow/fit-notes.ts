import { z } from 'zod';
import type { PortType } from '../../graph-engine/ports.ts';
import type { SpecNote } from '../../graph-engine/spec.ts';
import { FITS } from '../../media/resize.ts';

/** How a clip of another size or aspect ratio is brought to the pack's size. */
export const FitParam = z
  .enum(FITS)
  .default('crop')
  .meta({
    widget: 'choice',
    label: 'Fit to the pack size',
    choices: [
      { value: 'crop', label: 'crop the centre (keep the aspect ratio)' },
      { value: 'pad', label: 'pad with black (keep the whole frame)' },
      { value: 'stretch', label: 'stretch (distort)' },
    ],
  });

const isNum = (v: unknown): v is number => typeof v === 'number';

/**
 * What happens to an input video on its way into the pack, stated on the node: its size from → to (with
 * the fit), the frames it keeps, and a warning when a demo pack is fed footage from outside its library.
 */
export function videoNotes(video: PortType | undefined, vae: PortType | undefined, fit: string): SpecNote[] {
  if (!video || !vae) return [];
  const notes: SpecNote[] = [];
  const { width, height, frames } = video;
  if (isNum(width) && isNum(height) && isNum(vae.width) && isNum(vae.height)) {
    if (width !== vae.width || height !== vae.height) {
      const how = width * vae.height === vae.width * height ? 'scaled' : fit;
      const message = `resized ${width}×${height} → ${vae.width}×${vae.height} (${how})`;
      notes.push({ field: 'fit', level: 'info', message });
    }
  }
  if (isNum(frames) && isNum(vae.frames) && frames > vae.frames) {
    const message = `uses the first ${vae.frames} of ${frames} frames (the pack's frames per layer)`;
    notes.push({ field: 'video', level: 'info', message });
  }
  if (vae.packKind === 'demo' && video.source === 'file') {
    const message =
      'the demo pack knows only its built-in library of clips: results show the closest library clips, not layers of this footage (use LayerFlow weights for your own videos)';
    notes.push({ field: 'video', level: 'warning', message });
  }
  return notes;
}
