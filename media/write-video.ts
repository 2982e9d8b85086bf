import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { produceDirAtomic, produceFileAtomic, writeFileAtomic } from './atomic.ts';
import { MediaError } from './errors.ts';
import { runTool } from './ffmpeg.ts';
import { checkFrames, type Frames, toBytes } from './frames.ts';
import { decodePng, encodePng } from './png.ts';
import { probeVideo, tag } from './probe.ts';

export const VideoFormat = z.enum(['mp4-h264', 'webm-vp9-alpha', 'prores4444', 'png-seq', 'gif']);
export type VideoFormat = z.infer<typeof VideoFormat>;

export const WriteVideoOptions = z.object({
  /** H.264 needs even sizes: pad odd ones by a pixel (edge colour) instead of failing. */
  padOdd: z.boolean().default(false),
  /**
   * Text tags written into the container (MP4/MOV `mdta` keys, Matroska tags), e.g. the workflow that made
   * the file; GIF and PNG sequences carry none.
   */
  metadata: z.record(z.string().regex(/^\w+$/, 'a tag name is letters, digits and "_"'), z.string()).default({}),
});
export type WriteVideoOptions = z.input<typeof WriteVideoOptions>;

interface Encoding {
  /** Pixel format of the raw frames piped in. */
  input: 'rgb24' | 'rgba';
  args: (f: Frames, opts: z.infer<typeof WriteVideoOptions>) => string[];
  /** The pixel formats ffprobe may report when the output kept alpha. */
  alphaPixFmt?: RegExp;
}

const ENCODINGS: Record<Exclude<VideoFormat, 'png-seq'>, Encoding> = {
  'mp4-h264': {
    input: 'rgb24',
    // tagged BT.709 so players and our reader convert back with the same matrix
    args: (_f, o) => [
      '-vf',
      `${o.padOdd ? 'pad=ceil(iw/2)*2:ceil(ih/2)*2,' : ''}scale=out_color_matrix=bt709:out_range=tv`,
      '-c:v',
      'libx264',
      '-preset',
      'medium',
      '-crf',
      '16',
      '-pix_fmt',
      'yuv420p',
      '-colorspace',
      'bt709',
      '-color_primaries',
      'bt709',
      '-color_trc',
      'bt709',
      '-color_range',
      'tv',
      '-movflags',
      '+faststart',
      '-f',
      'mp4',
    ],
  },
  'webm-vp9-alpha': {
    input: 'rgba',
    args: () => ['-c:v', 'libvpx-vp9', '-pix_fmt', 'yuva420p', '-b:v', '0', '-crf', '18', '-row-mt', '1', '-f', 'webm'],
  },
  prores4444: {
    input: 'rgba',
    args: () => [
      '-c:v',
      'prores_ks',
      '-profile:v',
      '4444',
      '-pix_fmt',
      'yuva444p10le',
      '-alpha_bits',
      '16',
      '-vendor',
      'apl0',
      '-f',
      'mov',
    ],
    alphaPixFmt: /^yuva444p1\d(le|be)$/, // the decoder reports 12-bit
  },
  gif: {
    input: 'rgba',
    // one palette for the clip; pixels under half alpha become the transparent index
    args: () => [
      '-filter_complex',
      'split[a][b];[a]palettegen=reserve_transparent=1[p];[b][p]paletteuse=alpha_threshold=128',
      '-loop',
      '0',
      '-f',
      'gif',
    ],
  },
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
): Promise<void> {
  checkFrames(frames, path);
  const opts = WriteVideoOptions.parse(options);
  if (!VideoFormat.safeParse(format).success) {
    throw new MediaError(
      'unsupported',
      `${path}: unknown format ${format} (one of ${VideoFormat.options.join(', ')})`,
      { file: path },
    );
  }
  if (format === 'png-seq') return writePngSequence(frames, path);
  const enc = ENCODINGS[format];
  if (format === 'mp4-h264' && !opts.padOdd && (frames.width % 2 || frames.height % 2)) {
    throw new MediaError(
      'odd-size',
      `${path}: H.264 needs an even width and height, got ${frames.width}×${frames.height} (resize, or pass padOdd)`,
      { file: path },
    );
  }
  await produceFileAtomic(path, async (tmp) => {
    const args = [
      '-v',
      'error',
      '-y',
      '-f',
      'rawvideo',
      '-pix_fmt',
      enc.input,
      '-s',
      `${frames.width}x${frames.height}`,
      '-r',
      String(frames.fps),
      '-i',
      'pipe:0',
      ...enc.args(frames, opts),
      ...metadataArgs(format, opts.metadata),
      tmp,
    ];
    await runTool('ffmpeg', args, { file: path, input: rawFrames(frames, enc.input) });
    if (format === 'webm-vp9-alpha' || format === 'prores4444') await verifyAlpha(tmp, path, enc.alphaPixFmt);
  });
}

/** `-metadata` options; MP4/MOV keep arbitrary keys only as `mdta` tags (given after, these flags win). */
function metadataArgs(format: VideoFormat, metadata: Record<string, string>): string[] {
  const entries = Object.entries(metadata);
  if (entries.length === 0 || format === 'gif') return [];
  const tags = entries.flatMap(([k, v]) => ['-metadata', `${k}=${v}`]);
  if (format === 'mp4-h264') return ['-movflags', '+faststart+use_metadata_tags', ...tags];
  if (format === 'prores4444') return ['-movflags', '+use_metadata_tags', ...tags];
  return tags;
}

/** Frames as raw 8-bit chunks, one per frame, adding opaque alpha or dropping it as the encoder wants. */
function* rawFrames(f: Frames, pixFmt: 'rgb24' | 'rgba'): Generator<Uint8Array> {
  const out = pixFmt === 'rgba' ? 4 : 3;
  const pixels = f.width * f.height;
  for (let i = 0; i < f.frames; i++) {
    const src = f.data.subarray(i * pixels * f.channels, (i + 1) * pixels * f.channels);
    if (f.channels === out) {
      yield toBytes(src);
      continue;
    }
    const bytes = new Uint8Array(pixels * out).fill(255);
    const converted = toBytes(src);
    for (let p = 0; p < pixels; p++) bytes.set(converted.subarray(p * f.channels, p * f.channels + 3), p * out);
    yield bytes;
  }
}

/** Probes the written file: the alpha pixel format (or VP9's alpha_mode tag) must be there. */
async function verifyAlpha(tmp: string, path: string, pixFmt: RegExp | undefined): Promise<void> {
  const stream = await probeVideo(tmp);
  const ok = pixFmt ? pixFmt.test(stream.pix_fmt) : tag(stream, 'alpha_mode') === '1';
  if (!ok) {
    const found = pixFmt
      ? `pixel format ${stream.pix_fmt}, expected one with alpha`
      : 'no alpha_mode=1 tag on the VP9 stream';
    throw new MediaError(
      'alpha-lost',
      `${path}: the alpha channel did not survive encoding (${found}); is this ffmpeg built with libvpx / prores_ks?`,
      { file: path },
    );
  }
}

/** frame_00001.png … in a folder that replaces `dir` atomically; RGBA PNGs when the clip has alpha. */
async function writePngSequence(frames: Frames, dir: string): Promise<void> {
  await produceDirAtomic(dir, async (tmp) => {
    await mkdir(tmp, { recursive: true });
    for (let i = 0; i < frames.frames; i++) {
      await writeFileAtomic(join(tmp, `frame_${String(i + 1).padStart(5, '0')}.png`), encodePng(frames, i));
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
