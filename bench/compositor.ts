import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { composite, compositor } from '../media/composite.ts';
import { overBytes } from '../media/composite-simd.ts';
import { binaryFor } from '../media/ffmpeg-binaries.ts';
import { type Frames, fromBytes } from '../media/frames.ts';
import { spawnTool } from '../media/spawn.ts';
import { mulberry32 } from '../models/random.ts';
import { type Figure, figure } from './figure.ts';
import { pairedRatios, round, summarize } from './stats.ts';

const FRAMES = 16;
const WIDTH = 720;
const HEIGHT = 480;
/** ffmpeg reads the 16 frames this many times per pass, so its timer (1 ms steps) sees ≥ 100 ms of work. */
const LOOPS = 8;

/** Seeded bytes: bg noise, fg noise with an alpha that is 0, 255 or in between in equal parts. */
function clipBytes(seed: number): { fg: Uint8Array; bg: Uint8Array } {
  const next = mulberry32(seed);
  const n = FRAMES * WIDTH * HEIGHT;
  const bg = new Uint8Array(n * 3);
  for (let i = 0; i < bg.length; i++) bg[i] = (next() * 256) | 0;
  const fg = new Uint8Array(n * 4);
  for (let p = 0; p < n; p++) {
    for (let c = 0; c < 3; c++) fg[p * 4 + c] = (next() * 256) | 0;
    const kind = (next() * 3) | 0;
    fg[p * 4 + 3] = kind === 0 ? 0 : kind === 1 ? 255 : (next() * 256) | 0;
  }
  return { fg, bg };
}

function asFrames(bytes: Uint8Array, channels: 3 | 4): Frames {
  return { frames: FRAMES, height: HEIGHT, width: WIDTH, channels, fps: 8, data: fromBytes(bytes) };
}

/**
 * The ffmpeg the media code reads files with (LAYERFLOW_FFMPEG, system, bundled): the system's current
 * overlay filter where there is one, as this figure has always been measured, not the bundled 2018 build.
 */
function ffmpegPath(): string {
  const binary = binaryFor('ffmpeg', 'read');
  if ('path' in binary) return binary.path;
  throw new Error(binary.problem);
}

/**
 * Runs ffmpeg with -benchmark: its reported real time and CPU time (user + system) of the transcode, in ms.
 * Started through media/spawn.ts as the product starts its tools: a fork of this process would make our
 * next pass fault on every output page it writes (copy-on-write), which would be timed as ours.
 */
async function ffmpegTimes(args: string[]): Promise<{ wall: number; cpu: number }> {
  const child = await spawnTool(
    ffmpegPath(),
    ['-hide_banner', '-nostdin', '-benchmark', ...args],
    ['ignore', 'ignore', 'pipe'],
  );
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('close', (code) => {
      const m = /utime=([\d.]+)s stime=([\d.]+)s rtime=([\d.]+)s/.exec(err);
      if (code === 0 && m) resolve({ wall: Number(m[3]) * 1000, cpu: (Number(m[1]) + Number(m[2])) * 1000 });
      else reject(new Error(`ffmpeg exited ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}`));
    });
  });
}

/** ffmpeg arguments of the timed pass (overlay) and of the same pass without the filter. */
function ffmpegPasses(bgFile: string, fgFile: string): { overlay: string[]; without: string[] } {
  const raw = (pixFmt: string, file: string) =>
    `-f rawvideo -pix_fmt ${pixFmt} -s ${WIDTH}x${HEIGHT} -r 8 -stream_loop ${LOOPS - 1} -i ${file}`.split(' ');
  const inputs = [...raw('rgb24', bgFile), ...raw('rgba', fgFile)];
  const filter = '[0:v][1:v]overlay=format=rgb:eof_action=endall[out]';
  return {
    overlay: [...inputs, '-filter_complex_threads', '1', '-filter_complex', filter, '-map', '[out]', '-f', 'null', '-'],
    without: [...inputs, '-map', '0:v', '-map', '1:v', '-f', 'null', '-'],
  };
}

/** Wall and CPU ms (this process, user + system) of one call of `fn`. */
function timed(fn: () => unknown): { wall: number; cpu: number } {
  const cpu = process.cpuUsage();
  const start = performance.now();
  fn();
  const wall = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { wall, cpu: (used.user + used.system) / 1000 };
}

/**
 * Per repetition: ours (8-bit, float, float allocating its output) and ffmpeg's overlay and bare passes,
 * per 16 frames, as wall time and as CPU time (which other work on a shared machine disturbs far less).
 */
async function timeAll(ours: Record<'bytes' | 'float' | 'floatAlloc', () => unknown>, passes: Passes, reps: number) {
  for (const run of Object.values(ours)) run(); // warm-up: JIT, page faults of the reused outputs
  await ffmpegTimes(passes.overlay);
  const out = { bytes: [] as number[], float: [] as number[], floatAlloc: [] as number[] };
  const cpu = { bytes: [] as number[], float: [] as number[], theirs: [] as number[] };
  const ff = { theirs: [] as number[], overlay: [] as number[], without: [] as number[] };
  for (let i = 0; i < reps; i++) {
    const bytes = timed(ours.bytes);
    const float = timed(ours.float);
    out.bytes.push(bytes.wall);
    out.float.push(float.wall);
    cpu.bytes.push(bytes.cpu);
    cpu.float.push(float.cpu);
    out.floatAlloc.push(timed(ours.floatAlloc).wall);
    const withOverlay = await ffmpegTimes(passes.overlay);
    const without = await ffmpegTimes(passes.without);
    ff.overlay.push(withOverlay.wall / LOOPS);
    ff.without.push(without.wall / LOOPS);
    ff.theirs.push(Math.max(withOverlay.wall - without.wall, 1) / LOOPS);
    cpu.theirs.push(Math.max(withOverlay.cpu - without.cpu, 1) / LOOPS);
  }
  return { ...out, ...ff, cpu };
}

type Passes = ReturnType<typeof ffmpegPasses>;
type Times = Awaited<ReturnType<typeof timeAll>>;

const FFMPEG_NOTE = `ffmpeg: -benchmark rtime (cpu_time_ratio: utime + stime against our process.cpuUsage) of rawvideo from /dev/shm → overlay=format=rgb (8-bit packed, rgb24 main, rgba overlay, no conversion) → -f null, the 16 frames looped ${LOOPS}×, minus the same pass without the overlay (-map both inputs), ÷ ${LOOPS}; one filter thread (-filter_complex_threads 1), as ours runs on one thread.`;

/** The two figures from one set of paired timings. */
function compositorFigures(t: Times): Figure[] {
  const mp = (FRAMES * WIDTH * HEIGHT) / 1e6;
  const rate = (ms: number[]) => round(mp / (summarize(ms).median / 1000));
  const ffmpeg = {
    ffmpeg_overlay_ms: round(summarize(t.theirs).median),
    ffmpeg_pass_with_overlay_ms: round(summarize(t.overlay).median),
    ffmpeg_pass_without_overlay_ms: round(summarize(t.without).median),
    ffmpeg_mpix_per_s: rate(t.theirs),
    ffmpeg_overlay_cpu_ms: round(summarize(t.cpu.theirs).median),
  };
  return [
    figure('compositor', {
      value: summarize(pairedRatios(t.bytes, t.theirs)),
      details: {
        ours_ms: round(summarize(t.bytes).median),
        ours_mpix_per_s: rate(t.bytes),
        cpu_time_ratio: round(summarize(pairedRatios(t.cpu.bytes, t.cpu.theirs)).median),
        ours_cpu_ms: round(summarize(t.cpu.bytes).median),
        ...ffmpeg,
      },
      notes: [
        'ours: overBytes() of media/composite-simd.ts (WebAssembly SIMD, 16 pixels a step) on the very bytes ffmpeg reads, RGBA over RGB, into an output buffer reused across repetitions (ffmpeg overlays in place into frames it has already allocated).',
        FFMPEG_NOTE,
      ],
    }),
    figure('compositor-float', {
      value: summarize(pairedRatios(t.float, t.theirs)),
      details: {
        ours_ms: round(summarize(t.float).median),
        ours_mpix_per_s: rate(t.float),
        cpu_time_ratio: round(summarize(pairedRatios(t.cpu.float, t.cpu.theirs)).median),
        ours_cpu_ms: round(summarize(t.cpu.float).median),
        ours_allocating_output_ms: round(summarize(t.floatAlloc).median),
        allocating_over_ffmpeg: round(summarize(pairedRatios(t.floatAlloc, t.theirs)).median),
        ...ffmpeg,
      },
      notes: [
        'ours: compositor() of media/composite.ts on the same pixels as float32 frames (what the Composite node runs: 4 bytes a channel, 3.6× the memory traffic of 8-bit), into an output clip reused across repetitions; ours_allocating_output_ms is composite(), which allocates the 66 MB result each call (page faults included).',
        FFMPEG_NOTE,
      ],
    }),
  ];
}

/**
 * Figures 3 and 3f: our compositor (16 frames 720×480, RGBA over RGB) ÷ ffmpeg's overlay filter on the
 * same pixels, both on one thread, timed in turn in each repetition: the 8-bit path on the same bytes,
 * and the float path the Composite node uses.
 */
export async function compositorFigure(reps: number): Promise<Figure[]> {
  const { fg, bg } = clipBytes(20250604);
  const fgFrames = asFrames(fg, 4);
  const bgFrames = asFrames(bg, 3);
  const outBytes = new Uint8Array(bg.length);
  const outFloat = asFrames(new Uint8Array(bg.length), 3);
  const dir = await mkdtemp(join('/dev/shm', 'lf-bench-'));
  try {
    const fgFile = join(dir, 'fg.rgba');
    const bgFile = join(dir, 'bg.rgb');
    await writeFile(fgFile, fg);
    await writeFile(bgFile, bg);
    const times = await timeAll(
      {
        bytes: () => overBytes(outBytes, bg, fg),
        float: () => compositor({ fg: fgFrames, bg: bgFrames }, outFloat).frames(0, FRAMES),
        floatAlloc: () => composite({ fg: fgFrames, bg: bgFrames }),
      },
      ffmpegPasses(bgFile, fgFile),
      reps,
    );
    return compositorFigures(times);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
