import { mkdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { z } from 'zod';
import { defineNode, type Prepared, type RunContext, type SpecIssue } from '../../graph-engine/spec.ts';
import { type Encoder, EncoderSpeed } from '../../media/encoder.ts';
import { returnEncoder, takeEncoder } from '../../media/encoder-pool.ts';
import { INSTALL_HINT, missingTools, type Tool } from '../../media/ffmpeg-binaries.ts';
import { type Frames, Quantize } from '../../media/frames.ts';
import { VideoFormat, writeVideo } from '../../media/write-video.ts';
import { layersInput, matteAsClip, sameShape, shapeIssues, videoInput, withMatte } from './clip.ts';
import { FileNameParam, layerFileName, outputBase, workflowTags } from './files.ts';
import { MediaNodeError } from './node-error.ts';

/** File extension per format; a PNG sequence is a folder. */
const EXTENSION: Record<VideoFormat, string> = {
  'mp4-h264': '.mp4',
  'webm-vp9-alpha': '.webm',
  prores4444: '.mov',
  'png-seq': '',
  gif: '.gif',
};

const FORMAT_LABELS: Record<VideoFormat, string> = {
  'mp4-h264': 'MP4 (H.264, no alpha)',
  'webm-vp9-alpha': 'WebM (VP9 with alpha)',
  prores4444: 'MOV (ProRes 4444 with alpha)',
  'png-seq': 'PNG sequence (folder)',
  gif: 'GIF (1-bit alpha)',
};

/** What each format runs: ffmpeg to encode, ffprobe to check that alpha survived; PNGs need neither. */
const TOOLS: Record<VideoFormat, Tool[]> = {
  'mp4-h264': ['ffmpeg'],
  'webm-vp9-alpha': ['ffmpeg'], // its alpha is checked in the file header
  prores4444: ['ffmpeg', 'ffprobe'],
  'png-seq': [],
  gif: ['ffmpeg'],
};

/** Whether the format stores an alpha channel (GIF: on/off at half opacity). */
function keepsAlpha(format: VideoFormat): boolean {
  return format !== 'mp4-h264';
}

const Params = z.object({
  format: VideoFormat.default('webm-vp9-alpha').meta({
    label: 'Format',
    choices: VideoFormat.options.map((value) => ({ value, label: FORMAT_LABELS[value] })),
  }),
  filename: FileNameParam,
  fps: z.number().min(0).max(1000).default(0).meta({ label: "FPS (0: the clip's own)" }),
  speed: EncoderSpeed.default('fast').meta({
    label: 'Encoding',
    docs: 'fast: the same quality (PSNR, SSIM) in a fraction of the time, larger files; small: slower, smaller files',
    choices: [
      { value: 'fast', label: 'Fast (same quality, larger file)' },
      { value: 'small', label: 'Small file (slower)' },
    ],
  }),
  quantize: Quantize.default('round').meta({
    label: '8-bit conversion',
    docs: 'round: to the nearest level; truncate: (255·v) cut to an integer, as the LayerFlow reference writes its mp4s',
    choices: [
      { value: 'round', label: 'round to nearest (default)' },
      { value: 'truncate', label: 'truncate (as the LayerFlow reference’s mp4)' },
    ],
  }),
});
type Params = z.infer<typeof Params>;

function inputIssues(inputs: Record<string, unknown>, format: VideoFormat): SpecIssue[] {
  const issues: SpecIssue[] = [];
  if (!inputs.video && !inputs.layers) {
    issues.push({ field: 'video', code: 'no-input', message: 'connect a video or layers to save' });
  }
  if (inputs.video && inputs.layers) {
    issues.push({ field: 'layers', code: 'two-inputs', message: 'connect a video or layers, not both' });
  }
  if (inputs.alpha && !inputs.video) {
    const message = 'the alpha matte applies to the video input, which is not connected';
    issues.push({ field: 'alpha', code: 'alpha-without-video', message });
  }
  if (inputs.alpha && !keepsAlpha(format)) {
    const message = `${format} cannot store alpha; choose webm-vp9-alpha, prores4444, png-seq or gif`;
    issues.push({ field: 'format', code: 'format-drops-alpha', message });
  }
  return issues;
}

/** The encoder process started for this node at the beginning of the job, taken (it serves one file). */
function preparedEncoder(ctx: RunContext): Encoder | undefined {
  const prepared = ctx.prepared as PreparedEncoder | undefined;
  const encoder = prepared?.encoder;
  if (prepared) prepared.encoder = undefined;
  return encoder;
}

interface PreparedEncoder extends Prepared {
  encoder?: Encoder;
}

/** Writes one clip with the node's format and fps; H.264 gets odd sizes padded by a pixel. */
async function writeClip(
  clip: Frames,
  path: string,
  params: Params,
  ctx: RunContext,
  metadata: Record<string, string>,
): Promise<void> {
  const { format } = params;
  if (format === 'mp4-h264' && clip.channels === 4) ctx.log.warn(`${path}: mp4-h264 has no alpha; alpha dropped`);
  if (format === 'mp4-h264' && (clip.width % 2 || clip.height % 2)) {
    ctx.log.info(`${path}: H.264 needs even sizes; ${clip.width}×${clip.height} padded by a pixel`);
  }
  const timed = params.fps > 0 ? { ...clip, fps: params.fps } : clip;
  const encoder = preparedEncoder(ctx);
  const options = { padOdd: true, speed: params.speed, encoder, quantize: params.quantize, metadata };
  await writeVideo(timed, path, format, options, ctx.signal);
}

/** The video (with the matte merged in as alpha) written as `<name>.<ext>`; returns its path. */
async function saveClip(inputs: Record<string, unknown>, base: string, params: Params, ctx: RunContext) {
  let clip = videoInput(inputs.video, 'video');
  if (inputs.alpha !== undefined) {
    const matte = matteAsClip(inputs.alpha, 'alpha');
    sameShape(matte, clip, 'alpha', 'video', true);
    clip = withMatte(clip, matte);
  }
  const path = join(ctx.outDir, base + EXTENSION[params.format]);
  ctx.progress(0, `encoding ${params.format}`);
  await writeClip(clip, path, params, ctx, workflowTags(ctx));
  const alpha = clip.channels === 4 && keepsAlpha(params.format);
  return { path, files: [path], alpha, withAlpha: alpha ? [path] : [] };
}

/**
 * Each layer written as it is, as `<name>/<layer>.<ext>` (a 1-channel alpha layer as a grey matte). Layers
 * keep the model's convention (the foreground over flat grey); Split Layers gives a straight foreground
 * and a matte to save with alpha.
 */
async function saveLayerFiles(value: unknown, base: string, params: Params, ctx: RunContext) {
  const layered = layersInput(value, 'layers');
  const dir = join(ctx.outDir, base);
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  const withAlpha: string[] = [];
  const metadata = workflowTags(ctx);
  for (const [i, layer] of layered.layers.entries()) {
    ctx.signal.throwIfAborted();
    ctx.progress(i / layered.layers.length, `encoding ${layer}`);
    const path = join(dir, layerFileName(layer) + EXTENSION[params.format]);
    await writeClip(layered.clips[layer], path, params, ctx, metadata);
    files.push(path);
    if (keepsAlpha(params.format) && layered.clips[layer].channels === 4) withAlpha.push(path);
  }
  return { path: dir, files, alpha: withAlpha.length > 0, withAlpha };
}

export const saveVideo = defineNode({
  type: 'media.save-video',
  version: 1,
  category: 'Media',
  title: 'Save Video',
  docs: "Writes a video, or every layer of a layered video, into the run's output folder: MP4 (H.264), WebM (VP9 with alpha), MOV (ProRes 4444 with alpha), a PNG sequence or a GIF. A connected **alpha** matte becomes the video's alpha channel, and the written file is checked to still have it. Layers go into a folder named like the file, one file per layer as they are (`foreground.webm`, `alpha.webm`, …); for a transparent foreground, save Split Layers' foreground with its alpha. The file name defaults to the node id. Files are written atomically. Float values become 8-bit by rounding to the nearest level; `truncate` writes the bytes the LayerFlow reference writes ((255·v) in float32 cut to an integer, which reads up to one level darker), for byte-for-byte comparisons with its mp4s.",
  purity: 'sink',
  writesRunFiles: true,
  inputs: {
    video: { type: { kind: 'Video' }, optional: true, docs: 'A clip to save (or connect layers instead).' },
    alpha: { type: { kind: 'Video' }, optional: true, docs: "A matte of the video's size, saved as its alpha." },
    layers: { type: { kind: 'LayeredVideo' }, optional: true, docs: 'Layers to save, one file each.' },
  },
  outputs: { file: { type: { kind: 'Text' }, docs: 'Path of the written file (the folder, for layers or PNGs).' } },
  params: Params,
  infer: (inputs, params) => ({
    outputs: { file: { kind: 'Text' } },
    issues: [...inputIssues(inputs, params.format), ...shapeIssues(inputs.alpha, inputs.video, 'alpha', 'video', true)],
  }),
  // ffmpeg starts while the nodes upstream run: loading it costs more than encoding a short clip
  prepare(params): PreparedEncoder | undefined {
    if (params.format === 'png-seq') return undefined;
    const prepared: PreparedEncoder = {
      encoder: takeEncoder(params.format, { speed: params.speed, padOdd: true }),
      dispose: async () => {
        if (prepared.encoder) await returnEncoder(prepared.encoder);
        prepared.encoder = undefined;
      },
    };
    return prepared;
  },
  checkEnvironment: (params) => {
    const tools = TOOLS[params.format];
    const problem = missingTools(tools);
    if (!problem) return [];
    const message = `${params.format} is written with ${tools.join(' and ')}, which cannot run here: ${problem}. ${INSTALL_HINT}; or save as png-seq, which needs neither`;
    return [{ field: 'format', code: 'missing-tool', message }];
  },
  async run(inputs, params, ctx) {
    if (inputs.video === undefined && inputs.layers === undefined) {
      throw new MediaNodeError('no-input', 'nothing to save: connect a video or layers', 'video');
    }
    await mkdir(ctx.outDir, { recursive: true });
    const base = outputBase(params.filename, ctx.nodeId, EXTENSION[params.format]);
    const saved =
      inputs.video === undefined
        ? await saveLayerFiles(inputs.layers, base, params, ctx)
        : await saveClip(inputs, base, params, ctx);
    const rel = (p: string) => relative(ctx.outDir, p).split('\\').join('/');
    // which files carry alpha: the run viewer puts those, and only those, on a checkerboard
    const withAlpha = saved.withAlpha.map(rel);
    ctx.report({ files: saved.files.map(rel), format: params.format, alpha: saved.alpha, withAlpha });
    ctx.progress(1);
    return { file: saved.path };
  },
});
