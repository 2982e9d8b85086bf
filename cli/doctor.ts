import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type Binary, binaryFor, type Tool, type Use } from '../media/ffmpeg-binaries.ts';
import type { Frames } from '../media/frames.ts';
import { readVideo } from '../media/read-video.ts';
import { type VideoFormat, writeVideo } from '../media/write-video.ts';
import { EXIT, UsageError } from './exit-codes.ts';
import { installedBrowser, packagedBrowser } from './headless-browser.ts';

/** One line of the report. `needed`: the demo cannot run without it, so a failure fails the command. */
export interface Check {
  name: string;
  ok: boolean;
  needed: boolean;
  detail: string;
}

const MIN_NODE = [20, 11] as const;

/**
 * `layerflow doctor [--json]`: what this machine runs LayerFlow Studio with (Node, the ffmpeg that
 * encodes, the ffmpeg and ffprobe that read files, and where and why each came from, the video formats they can write and read back, onnxruntime-node and its
 * execution providers, the browser the tests would use). Exit 1 when something the demo needs fails.
 */
export async function doctorCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean' } } });
  if (positionals.length > 0) throw new UsageError('doctor takes no arguments');
  const checks = [
    nodeCheck(),
    toolCheck('ffmpeg', 'encode'),
    toolCheck('ffmpeg', 'read'),
    toolCheck('ffprobe', 'read'),
  ];
  const tools = checks.slice(1).every((c) => c.ok);
  checks.push(...(await formatChecks(tools)), await onnxCheck(), browserCheck());
  const ok = checks.every((c) => c.ok || !c.needed);
  if (values.json) process.stdout.write(`${JSON.stringify({ ok, checks })}\n`);
  else process.stdout.write(report(checks, ok));
  return ok ? EXIT.ok : EXIT.failed;
}

function report(checks: Check[], ok: boolean): string {
  const mark = (c: Check) => (c.ok ? 'ok  ' : c.needed ? 'FAIL' : 'warn');
  const width = Math.max(...checks.map((c) => c.name.length));
  const lines = checks.map((c) => `${mark(c)}  ${c.name.padEnd(width)}  ${c.detail}\n`);
  const verdict = ok
    ? 'Everything the demo needs is here (npm run demo).\n'
    : 'Something the demo needs is missing (FAIL above).\n';
  return `${lines.join('')}\n${verdict}`;
}

function nodeCheck(): Check {
  const [major, minor] = process.versions.node.split('.').map(Number);
  const ok = major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
  return { name: 'Node.js', ok, needed: true, detail: `${process.versions.node} (needs ≥ ${MIN_NODE.join('.')})` };
}

/**
 * Why this binary was chosen for its use (the order is media/ffmpeg-binaries.ts's). VP9 encodes with the
 * reading one, so it has no line of its own.
 */
const WHY: Record<Binary['source'], Record<Use, string>> = {
  env: { encode: '', 'encode-vp9': '', read: '' },
  bundled: {
    encode: 'preferred for encoding but VP9: starts in milliseconds',
    'encode-vp9': 'none on PATH',
    read: 'none on PATH',
  },
  system: {
    encode: 'no usable bundled one',
    'encode-vp9': 'preferred for VP9: faster libvpx',
    read: 'preferred for reading files and VP9: security fixes, faster libvpx',
  },
};

function toolCheck(tool: Tool, use: Use): Check {
  const name = tool === 'ffmpeg' ? `ffmpeg (${use})` : tool;
  const binary = binaryFor(tool, use);
  if (!('path' in binary)) return { name, ok: false, needed: true, detail: binary.problem };
  const run = spawnSync(binary.path, ['-hide_banner', '-version'], { encoding: 'utf8', timeout: 30_000 });
  const source = binary.source === 'env' ? `LAYERFLOW_${tool.toUpperCase()}` : binary.source;
  const why = WHY[binary.source][use];
  const where = `${binary.path} (${source}${why ? `; ${why}` : ''})`;
  if (run.error || run.status !== 0) {
    const failure = run.error?.message ?? run.stderr.trim().split('\n').pop() ?? `exit ${run.status}`;
    return { name, ok: false, needed: true, detail: `${where} does not run: ${failure}` };
  }
  const version = run.stdout
    .split('\n')[0]
    .replace(/ Copyright.*/, '')
    .trim();
  return { name, ok: true, needed: true, detail: `${where}: ${version}` };
}

const FORMATS: { format: Exclude<VideoFormat, 'png-seq'>; name: string; needed: boolean; alpha: boolean }[] = [
  { format: 'webm-vp9-alpha', name: 'VP9 + alpha', needed: true, alpha: true },
  { format: 'mp4-h264', name: 'H.264', needed: true, alpha: false },
  { format: 'prores4444', name: 'ProRes 4444', needed: false, alpha: true },
  { format: 'gif', name: 'GIF', needed: false, alpha: true },
];

/** Writes a small clip in each format and reads it back: frame count, and alpha where the format keeps it. */
async function formatChecks(tools: boolean): Promise<Check[]> {
  if (!tools) {
    return FORMATS.map((f) => ({ ...pick(f), ok: false, detail: 'not tried: ffmpeg or ffprobe is missing' }));
  }
  const dir = await mkdtemp(join(tmpdir(), 'layerflow-doctor-'));
  try {
    const clip = rampClip();
    const checks: Check[] = [];
    for (const f of FORMATS) {
      try {
        const path = join(dir, `clip.${f.format}`);
        await writeVideo(clip, path, f.format);
        const back = await readVideo(path);
        const problem = roundTripProblem(clip, back, f.alpha);
        checks.push({
          ...pick(f),
          ok: !problem,
          detail: problem ?? (f.alpha ? 'writes and reads back alpha' : 'writes and reads back'),
        });
      } catch (err) {
        checks.push({ ...pick(f), ok: false, detail: (err as Error).message.split('\n').slice(0, 3).join(' | ') });
      }
    }
    return checks;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function pick(f: (typeof FORMATS)[number]): Pick<Check, 'name' | 'needed'> {
  return { name: f.name, needed: f.needed };
}

/** 4 frames of 32×32 RGBA: a colour gradient whose alpha runs from clear (left) to opaque (right). */
function rampClip(): Frames {
  const [frames, height, width] = [4, 32, 32];
  const data = new Float32Array(frames * height * width * 4);
  for (let f = 0; f < frames; f++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = ((f * height + y) * width + x) * 4;
        data.set([x / (width - 1), y / (height - 1), f / (frames - 1), x < width / 2 ? 0 : 1], i);
      }
    }
  }
  return { frames, height, width, channels: 4, fps: 12, data };
}

function roundTripProblem(clip: Frames, back: Frames, alpha: boolean): string | undefined {
  if (back.frames !== clip.frames) return `read back ${back.frames} frames of ${clip.frames}`;
  if (!alpha) return back.channels === 3 ? undefined : `read back ${back.channels} channels, expected 3`;
  if (back.channels !== 4) return 'the alpha channel was lost';
  let wrong = 0;
  for (let p = 3; p < back.data.length; p += 4) if (Math.abs(back.data[p] - clip.data[p]) > 0.25) wrong++;
  return wrong === 0 ? undefined : `alpha read back wrong in ${wrong} of ${back.data.length / 4} pixels`;
}

async function onnxCheck(): Promise<Check> {
  const name = 'onnxruntime-node';
  try {
    const version = (createRequire(import.meta.url)('onnxruntime-node/package.json') as { version: string }).version;
    const { providerPlan } = await import('../models/session/sessions.ts');
    const plan = providerPlan();
    const skipped = plan.skipped.map((s) => `${s.provider}: ${s.reason}`).join('; ');
    const detail = `${version}, binding loads; providers tried in order: ${plan.order.join(', ')}${skipped ? ` (skipped ${skipped})` : ''}`;
    return { name, ok: plan.order.includes('cpu'), needed: true, detail };
  } catch (err) {
    return { name, ok: false, needed: true, detail: `does not load: ${(err as Error).message.split('\n')[0]}` };
  }
}

function browserCheck(): Check {
  const name = 'test browser';
  const installed = installedBrowser();
  if (installed) return { name, ok: true, needed: false, detail: `${installed.path} (${installed.source})` };
  const packaged = packagedBrowser();
  if ('version' in packaged) {
    return { name, ok: true, needed: false, detail: `@sparticuz/chromium ${packaged.version} (unpacked on first use)` };
  }
  return { name, ok: false, needed: false, detail: `none for npm run test:e2e: ${packaged.problem}` };
}
