import { mkdir, readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { produceDirAtomic, writeFileAtomic } from './atomic.ts';
import { type Encoder, EncoderOptions, startEncoder } from './encoder.ts';
import { MediaError } from './errors.ts';
import { checkFrames, type Frames, type Quantize } from './frames.ts';
import { decodePng, encodePng } from './png.ts';

export const VideoFormat = z.enum(['mp4-h264', 'webm-vp9-alpha', 'prores4444', 'png-seq', 'gif']);
export type VideoFormat = z.infer<typeof VideoFormat>;

export type WriteVideoOptions = EncoderOptions & {
  /** An encoder started earlier for this format and options (startEncoder), used instead of a new one. */
  encoder?: Encoder;
  /** Float → 8-bit: rounded (default), or truncated as the reference's mp4 writer (frames.ts Quantize). */
  quantize?: Quantize;
  /**
   * Text tags written into the container (MP4/MOV `mdta` keys, Matroska tags), e.g. the workflow that made
   * the file; GIF and PNG sequences carry none.
   */
  metadata?: Record<string, string>;
};

/**
 * Writes a clip as a video file (or, for `png-seq`, a folder of PNGs), atomically, and checks that alpha
 * survived for the alpha formats (webm-vp9-alpha, prores4444, png-seq).
 */
export async function writeVideo(
  frames: Frames,
  path: string,
  format: VideoFormat,
  options: WriteVideoOptions = {},
  signal?: AbortSignal,
): Promise<void> {
  checkFrames(frames, path);
  const { encoder, quantize = 'round', metadata, ...rest } = options;
  const opts = EncoderOptions.parse(rest);
  if (!VideoFormat.safeParse(format).success) {
    throw new MediaError(
      'unsupported',
      `${path}: unknown format ${format} (one of ${VideoFormat.options.join(', ')})`,
      { file: path },
    );
  }
  if (format === 'png-seq') return writePngSequence(frames, path, quantize, signal);
  if (format === 'mp4-h264' && !opts.padOdd && (frames.width % 2 || frames.height % 2)) {
    throw new MediaError(
      'odd-size',
      `${path}: H.264 needs an even width and height, got ${frames.width}×${frames.height} (resize, or pass padOdd)`,
      { file: path },
    );
  }
  const fits = encoder && encoder.format === format && sameOptions(encoder.options, opts);
  if (encoder && !fits) await encoder.cancel();
  await (fits ? encoder : startEncoder(format, opts, dirname(path))).finish(frames, path, {
    quantize,
    signal,
    tags: metadata,
  });
}

function sameOptions(a: Readonly<z.infer<typeof EncoderOptions>>, b: z.infer<typeof EncoderOptions>): boolean {
  return a.speed === b.speed && a.padOdd === b.padOdd;
}

/** frame_00001.png … in a folder that replaces `dir` atomically; RGBA PNGs when the clip has alpha. */
async function writePngSequence(frames: Frames, dir: string, quantize: Quantize, signal?: AbortSignal): Promise<void> {
  await produceDirAtomic(dir, async (tmp) => {
    await mkdir(tmp, { recursive: true });
    for (let i = 0; i < frames.frames; i++) {
      signal?.throwIfAborted();
      await writeFileAtomic(
        join(tmp, `frame_${String(i + 1).padStart(5, '0')}.png`),
        encodePng(frames, i, { quantize }),
      );
    }
    if (frames.channels === 4) await verifyPngAlpha(tmp, dir);
  });
}

async function verifyPngAlpha(tmp: string, dir: string): Promise<void> {
  const first = (await readdir(tmp)).sort()[0];
  if (!decodePng(await readFile(join(tmp, first)), join(dir, first)).alpha) {
    throw new MediaError('alpha-lost', `${join(dir, first)}: written without an alpha channel`, { file: dir });
  }
}
