import { copyFile, open, rename, rm } from 'node:fs/promises';
import { z } from 'zod';
import { tempPathFor } from './atomic.ts';
import { MediaError } from './errors.ts';
import { fileArg, runTool } from './ffmpeg.ts';
import type { Use } from './ffmpeg-binaries.ts';
import type { Frames, Quantize } from './frames.ts';
import { fixGifDisposal } from './gif-disposal.ts';
import { matroskaTags } from './matroska-tags.ts';
import { probeVideo } from './probe.ts';
import type { ToolProcess } from './spawn.ts';
import { unstackPlanes, y4mStream } from './y4m.ts';

/** Video formats ffmpeg encodes (a PNG sequence is written without it). */
export const EncodedFormat = z.enum(['mp4-h264', 'webm-vp9-alpha', 'prores4444', 'gif']);
export type EncodedFormat = z.infer<typeof EncodedFormat>;

/**
 * fast: as good as `small` by PSNR and SSIM (measured on the DAVIS goat clip, see the README's
 * Performance section) in a fraction of the CPU time, files ~15–30 % larger; small: the slower settings
 * for the smallest file at that quality.
 */
export const EncoderSpeed = z.enum(['fast', 'small']);
export type EncoderSpeed = z.infer<typeof EncoderSpeed>;

export const EncoderOptions = z.object({
  speed: EncoderSpeed.default('fast'),
  /** H.264 needs even sizes: pad odd ones by a pixel (edge colour) instead of failing. */
  padOdd: z.boolean().default(false),
});
export type EncoderOptions = z.input<typeof EncoderOptions>;
type Options = z.infer<typeof EncoderOptions>;

interface Encoding {
  /** Planes piped in: RGB, or RGBA for the formats that keep alpha. */
  planes: 3 | 4;
  /** Filters from planar RGB(A) `[rgb]` to what the encoder takes, if any. */
  filter?: (o: Options) => string;
  codec: (o: Options) => string[];
  ext: string;
  /** The pixel formats ffprobe may report when the output kept alpha (VP9 is checked by its header). */
  alphaPixFmt?: RegExp;
  /** Whether the container keeps text tags (MP4/MOV as `mdta` keys, Matroska tags); GIF has none. */
  tags: boolean;
  /** Which ffmpeg encodes it (media/ffmpeg-binaries.ts): the bundled static build first, but for VP9. */
  use: Use;
}

const ENCODINGS: Record<EncodedFormat, Encoding> = {
  'mp4-h264': {
    planes: 3,
    // tagged BT.709 so players and our reader convert back with the same matrix
    filter: (o) =>
      `[rgb]${o.padOdd ? 'pad=ceil(iw/2)*2:ceil(ih/2)*2,' : ''}scale=out_color_matrix=bt709:out_range=tv,format=yuv420p`,
    codec: (o) => [
      ...['-c:v', 'libx264', '-preset', o.speed === 'fast' ? 'faster' : 'medium'],
      ...['-crf', o.speed === 'fast' ? '15' : '16', '-pix_fmt', 'yuv420p'],
      ...['-colorspace', 'bt709', '-color_primaries', 'bt709', '-color_trc', 'bt709', '-color_range', 'tv'],
      ...['-movflags', '+faststart+use_metadata_tags', '-f', 'mp4'],
    ],
    ext: '.mp4',
    tags: true,
    use: 'encode',
  },
  'webm-vp9-alpha': {
    planes: 4,
    codec: (o) => [
      ...['-c:v', 'libvpx-vp9', '-pix_fmt', 'yuva420p', '-b:v', '0', '-row-mt', '1'],
      // no look-ahead: with it the bundled 2018 ffmpeg drops frames whose alpha packet comes out of step
      ...['-lag-in-frames', '0'],
      // realtime at cpu-used 8 and crf 14 scores as high as good-quality crf 18 at a seventh of the CPU
      ...(o.speed === 'fast' ? ['-deadline', 'realtime', '-cpu-used', '8', '-crf', '14'] : ['-crf', '18']),
      ...['-f', 'webm'],
    ],
    ext: '.webm',
    tags: true,
    use: 'encode-vp9',
  },
  prores4444: {
    planes: 4,
    codec: () => [
      ...['-c:v', 'prores_ks', '-profile:v', '4444', '-pix_fmt', 'yuva444p10le', '-alpha_bits', '16'],
      ...['-vendor', 'apl0', '-movflags', '+use_metadata_tags', '-f', 'mov'],
    ],
    ext: '.mov',
    tags: true,
    use: 'encode',
    alphaPixFmt: /^yuva444p1\d(le|be)$/, // the decoder reports 12-bit
  },
  gif: {
    planes: 4,
    // one palette for the clip; pixels under half alpha become the transparent index; ordered dithering
    // gives the same pixels from every ffmpeg (error diffusion differs across versions) and does not crawl
    filter: () =>
      '[rgb]split[a][b];[a]palettegen=reserve_transparent=1[p];[b][p]paletteuse=alpha_threshold=128:dither=bayer',
    // whole frames, so that each frame can be cleared after it is shown (see gif-disposal.ts)
    codec: () => ['-gifflags', '-offsetting-transdiff', '-loop', '0', '-f', 'gif'],
    ext: '.gif',
    tags: false,
    use: 'encode',
  },
};

/** The file extension of a format. */
export function extensionOf(format: EncodedFormat): string {
  return ENCODINGS[format].ext;
}

/**
 * An ffmpeg process started before its clip exists: starting one (loading ffmpeg and its libraries) costs
 * more than encoding a short clip, so a save node can start it at the beginning of a run.
 */
export interface FinishOptions {
  /** Frame rate written (default the clip's). */
  fps?: number;
  /** Floats to bytes (default rounded). */
  quantize?: Quantize;
  signal?: AbortSignal;
  /** Text tags for the container (MP4/MOV `mdta` keys, Matroska tags; GIF drops them), e.g. the workflow. */
  tags?: Record<string, string>;
}

export interface Encoder {
  readonly format: EncodedFormat;
  /** The options it was started with (parsed). */
  readonly options: Readonly<Options>;
  /**
   * Pipes the clip in (at `fps`, default the clip's; bytes as `quantize` says, default rounded) with `tags`
   * for the container (dropped by GIF), waits for ffmpeg, checks alpha, moves the file to `path` atomically.
   * Aborting `signal` kills ffmpeg and rejects with its reason, leaving no file.
   */
  finish(clip: Frames, path: string, options?: FinishOptions): Promise<void>;
  /** Ends the process unused and removes its file. */
  cancel(): Promise<void>;
  /** Lets this process exit without waiting for an idle encoder (a spare), or not. */
  hold(kept: boolean): void;
}

/** Starts ffmpeg for `format`, writing into a hidden temp file in `dir`. */
export function startEncoder(format: EncodedFormat, options: EncoderOptions, dir: string): Encoder {
  const opts = EncoderOptions.parse(options);
  const enc = ENCODINGS[format];
  const tmp = tempPathFor(`${dir}/encoder${enc.ext}`);
  type Input = { clip: Frames; fps: number; quantize: Quantize; tags: Record<string, string> };
  let deliver: (input: Input | null) => void = () => {};
  const given = new Promise<Input | null>((resolve) => {
    deliver = resolve;
  });
  async function* input() {
    const got = await given;
    if (got) yield* y4mStream(got.clip, enc.planes, got.fps, got.quantize);
  }
  // Tags arrive with the clip, on a second pipe, so that a process started before the run can carry them.
  async function* tags() {
    const got = await given;
    yield matroskaTags(got?.tags ?? {});
  }
  const filter = enc.filter ? `${unstackPlanes(enc.planes, 'rgb')};${enc.filter(opts)}` : unstackPlanes(enc.planes);
  const args = [
    ...['-v', 'error', '-y', '-f', 'yuv4mpegpipe', '-i', 'pipe:0'],
    ...(enc.tags ? ['-f', 'matroska', '-i', 'pipe:3', '-map_metadata', '1'] : []),
    ...['-filter_complex', filter],
    ...enc.codec(opts),
    fileArg(tmp),
  ];
  let child: ToolProcess | undefined;
  /** Whether the process may keep this one alive (a spare must not); set before or after it has started. */
  let kept = true;
  const holdChild = (keep: boolean) => {
    kept = keep;
    for (const handle of [child, child?.stdin, child?.stdout, child?.stderr]) keep ? handle?.ref() : handle?.unref();
  };
  const label = `${format} encoder`;
  const done = runTool('ffmpeg', args, {
    file: label,
    use: enc.use,
    input: input(),
    ...(enc.tags ? { side: tags() } : {}),
    onSpawn: (c) => {
      child = c;
      holdChild(kept);
    },
  }).then(
    () => undefined,
    (e: unknown) => e,
  );
  return {
    format,
    options: opts,
    async finish(clip, path, { fps = clip.fps, quantize = 'round', signal, tags = {} } = {}) {
      // a cancelled job kills its ffmpeg at once instead of waiting for the clip to be encoded
      const onAbort = () => child?.kill('SIGKILL');
      signal?.addEventListener('abort', onAbort, { once: true });
      if (signal?.aborted) onAbort();
      deliver(signal?.aborted ? null : { clip, fps, quantize, tags });
      try {
        const failed = await done;
        signal?.throwIfAborted();
        if (failed) throw relabel(failed, label, tmp, path);
        if (format === 'gif') await fixGifDisposal(tmp, path);
        await verifyAlpha(format, tmp, path, enc.alphaPixFmt, signal);
        await moveAtomic(tmp, path);
      } finally {
        signal?.removeEventListener('abort', onAbort);
        await rm(tmp, { force: true });
      }
    },
    async cancel() {
      deliver(null);
      await done;
      await rm(tmp, { force: true });
    },
    hold(keep) {
      holdChild(keep);
    },
  };
}

/** ffmpeg's error about the temp file, told about the file the user asked for. */
function relabel(err: unknown, label: string, tmp: string, path: string): unknown {
  if (!(err instanceof MediaError)) return err;
  return new MediaError(err.code, err.message.replaceAll(tmp, path).replaceAll(label, path), { file: path });
}

/**
 * The alpha channel must survive: VP9's WebM header carries AlphaMode = 1 (EBML id 0x53C0, size 1,
 * value 1) in its video track, read here without a second process; ProRes by ffprobe's pixel format.
 */
async function verifyAlpha(
  format: EncodedFormat,
  tmp: string,
  path: string,
  pixFmt?: RegExp,
  signal?: AbortSignal,
): Promise<void> {
  if (format === 'webm-vp9-alpha') {
    if (await webmHasAlpha(tmp)) return;
    throw alphaLost(path, 'no AlphaMode=1 in the WebM video track');
  }
  if (!pixFmt) return;
  const stream = await probeVideo(tmp, signal);
  if (!pixFmt.test(stream.pix_fmt)) throw alphaLost(path, `pixel format ${stream.pix_fmt}, expected one with alpha`);
}

function alphaLost(path: string, found: string): MediaError {
  return new MediaError(
    'alpha-lost',
    `${path}: the alpha channel did not survive encoding (${found}); is this ffmpeg built with libvpx / prores_ks?`,
    { file: path },
  );
}

/** Whether the WebM's header (before its first Cluster) declares an alpha channel. */
export async function webmHasAlpha(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(16384);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const bytes = head.subarray(0, bytesRead);
    const cluster = bytes.indexOf(Buffer.from([0x1f, 0x43, 0xb6, 0x75]));
    const tracks = cluster < 0 ? bytes : bytes.subarray(0, cluster);
    return tracks.includes(Buffer.from([0x53, 0xc0, 0x81, 0x01]));
  } finally {
    await handle.close();
  }
}

/**
 * `from` renamed to `to`; copied to a temp name beside `to` first when they lie on different file
 * systems. Atomic, not synced, as every run output (media/atomic.ts).
 */
async function moveAtomic(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
    const near = tempPathFor(to);
    try {
      await copyFile(from, near);
      await rename(near, to);
    } catch (err) {
      await rm(near, { force: true });
      throw err;
    }
  }
}
