import { readFile, writeFile } from 'node:fs/promises';
import { MediaError } from './errors.ts';

/**
 * Marks every transparent GIF frame "restore to background" (disposal 2), so a pixel that turns clear
 * in a later frame shows clear instead of the previous frame. FFmpeg 5+ writes this itself; the 4.1
 * build shipped by @ffmpeg-installer writes "do not dispose" (1), which keeps such pixels. Frames must
 * be whole (no offsetting, no transdiff) for this to be right, which is how write-video encodes GIFs.
 * Returns the number of frames changed.
 */
export function restoreToBackground(gif: Uint8Array, file: string): number {
  const bad = (why: string) =>
    new MediaError('ffmpeg-failed', `${file}: not a GIF ffmpeg should write (${why})`, { file });
  if (String.fromCharCode(...gif.subarray(0, 3)) !== 'GIF') throw bad('no GIF header');
  let pos = 13 + colourTableBytes(gif[10]);
  let changed = 0;
  const skipSubBlocks = () => {
    while (pos < gif.length && gif[pos] !== 0) pos += gif[pos] + 1;
    pos += 1;
  };
  while (pos < gif.length) {
    const block = gif[pos];
    if (block === 0x3b) return changed; // trailer
    if (block === 0x21) {
      // a Graphic Control Extension: 21 F9 04 <packed: disposal in bits 2-4, transparency in bit 0> …
      if (gif[pos + 1] === 0xf9 && gif[pos + 2] === 4 && gif[pos + 3] & 1 && ((gif[pos + 3] >> 2) & 7) !== 2) {
        gif[pos + 3] = (gif[pos + 3] & ~0b11100) | (2 << 2);
        changed++;
      }
      pos += 2;
      skipSubBlocks();
    } else if (block === 0x2c) {
      pos += 10 + colourTableBytes(gif[pos + 9]) + 1; // descriptor, local colour table, LZW code size
      skipSubBlocks();
    } else throw bad(`unknown block 0x${block.toString(16)} at byte ${pos}`);
  }
  throw bad('no trailer');
}

function colourTableBytes(packed: number): number {
  return packed & 0x80 ? 3 * 2 ** ((packed & 7) + 1) : 0;
}

/** restoreToBackground on a file, rewriting it only when a frame changed. */
export async function fixGifDisposal(path: string, file: string): Promise<void> {
  const gif = await readFile(path);
  if (restoreToBackground(gif, file) > 0) await writeFile(path, gif);
}
