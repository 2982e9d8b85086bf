import { open, readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { z } from 'zod';
import { MediaError } from './errors.ts';
import { fileArg, runTool } from './ffmpeg.ts';
import { type Frames, fromBytes } from './frames.ts';
import { clipTooLarge, frameTooLarge } from './limits.ts';
import { decodePng, pngSize } from './png.ts';
import { probeVideo } from './probe.ts';

export const FrameSequenceOptions = z.object({
  fps: z.number().positive().default(24),
  maxFrames: z.number().int().positive().optional(),
});
export type FrameSequenceOptions = z.input<typeof FrameSequenceOptions>;

const IMAGE = /\.(png|jpe?g)$/i;

/**
 * Reads a PNG/JPG sequence: a folder (every image in it) or a pattern whose file name part may hold * and ?
 * (`clip/fg/*.png`). Files are ordered by name with numbers compared as numbers. RGBA when any frame has alpha.
 */
export async function readFrameSequence(
  dirOrGlob: string,
  options: FrameSequenceOptions = {},
  signal?: AbortSignal,
): Promise<Frames> {
  const opts = FrameSequenceOptions.parse(options);
  const files = (await sequenceFiles(dirOrGlob)).slice(0, opts.maxFrames);
  if (files.length === 0)
    throw new MediaError('no-frames', `no PNG or JPG files match ${dirOrGlob}`, { file: dirOrGlob });
  const first = await imageSize(files[0], signal);
  const tooLarge = clipTooLarge(files.length, first.width, first.height);
  if (tooLarge) throw new MediaError('too-large', `${dirOrGlob}: ${tooLarge}`, { file: dirOrGlob });
  const images = [];
  for (const file of files) {
    signal?.throwIfAborted();
    images.push(await readImage(file, signal));
  }
  const { width, height } = images[0];
  const channels = images.some((i) => i.alpha) ? 4 : 3;
  const data = new Float32Array(files.length * width * height * channels);
  images.forEach((img, f) => {
    if (img.width !== width || img.height !== height) {
      throw new MediaError(
        'shape-mismatch',
        `${files[f]} is ${img.width}×${img.height} but ${files[0]} is ${width}×${height}`,
        { file: files[f] },
      );
    }
    rgbaInto(img.rgba, channels, data.subarray(f * width * height * channels, (f + 1) * width * height * channels));
  });
  return { frames: files.length, height, width, channels, fps: opts.fps, data };
}

/** The images a sequence path names, in frame order. */
export async function sequenceFiles(dirOrGlob: string): Promise<string[]> {
  const isDir = await stat(dirOrGlob).then(
    (s) => s.isDirectory(),
    () => false,
  );
  const dir = isDir ? dirOrGlob : dirname(dirOrGlob);
  const match = isDir ? IMAGE : globRegExp(basename(dirOrGlob));
  const names = await readdir(dir).catch(() => {
    throw new MediaError('no-frames', `cannot list ${dir} (for ${dirOrGlob})`, { file: dirOrGlob });
  });
  const collator = new Intl.Collator('en', { numeric: true });
  return names
    .filter((n) => match.test(n) && IMAGE.test(n))
    .sort(collator.compare)
    .map((n) => join(dir, n));
}

function globRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

interface Rgba {
  width: number;
  height: number;
  alpha: boolean;
  rgba: Uint8Array;
}

/** An image's size from its header (PNG) or ffprobe (JPG), before any pixel is decoded. */
async function imageSize(file: string, signal?: AbortSignal): Promise<{ width: number; height: number }> {
  if (extname(file).toLowerCase() === '.png') {
    const handle = await open(file, 'r');
    try {
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(24), 0, 24, 0);
      const size = pngSize(buffer.subarray(0, bytesRead));
      if (size) return size;
    } finally {
      await handle.close();
    }
  }
  return probeVideo(file, signal);
}

async function readImage(file: string, signal?: AbortSignal): Promise<Rgba> {
  if (extname(file).toLowerCase() === '.png') return decodePng(await readFile(file), file);
  const { width, height } = await probeVideo(file, signal);
  const tooLarge = frameTooLarge(width, height);
  if (tooLarge) throw new MediaError('too-large', `${file}: ${tooLarge}`, { file });
  const rgba = await runTool(
    'ffmpeg',
    ['-v', 'error', '-nostdin', '-i', fileArg(file), '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgba', 'pipe:1'],
    { file, signal, maxOutputBytes: width * height * 4 },
  );
  return { width, height, alpha: false, rgba };
}

/** 8-bit RGBA pixels to float frames with 3 or 4 channels. */
function rgbaInto(rgba: Uint8Array, channels: 3 | 4, out: Float32Array<ArrayBuffer>): void {
  if (channels === 4) {
    fromBytes(rgba, out);
    return;
  }
  for (let p = 0, o = 0; p < rgba.length; p += 4, o += 3) {
    out[o] = rgba[p] / 255;
    out[o + 1] = rgba[p + 1] / 255;
    out[o + 2] = rgba[p + 2] / 255;
  }
}
