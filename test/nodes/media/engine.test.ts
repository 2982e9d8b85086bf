import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ValueCache } from '../../../graph-engine/cache.ts';
import type { EngineEvent } from '../../../graph-engine/events.ts';
import { PortKindRegistry } from '../../../graph-engine/ports.ts';
import { NodeRegistry } from '../../../graph-engine/registry.ts';
import { runJob } from '../../../graph-engine/run-job.ts';
import { validateWorkflow } from '../../../graph-engine/validate.ts';
import { loadWorkflow, type Workflow } from '../../../graph-engine/workflow.ts';
import { decodePng } from '../../../media/png.ts';
import { mediaNodes } from '../../../nodes/media/index.ts';
import { registerPortKinds } from '../../../nodes/types.ts';
import { DAVIS_DIR } from '../../media/clips.ts';

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lf-media-engine-'));
});
after(() => rm(dir, { recursive: true, force: true }));

/** The media pack alone (the app's createRegistry adds the other packs). */
function mediaRegistry(): NodeRegistry {
  const kinds = new PortKindRegistry();
  registerPortKinds(kinds);
  const registry = new NodeRegistry(kinds);
  for (const spec of mediaNodes) registry.register(spec);
  return registry;
}

const link = (node: string, output = 'video') => ({ node, output });
const node = (type: string, params: Record<string, unknown>, inputs: Record<string, unknown> = {}) => ({
  type,
  typeVersion: 1,
  params,
  inputs,
});

function goatWorkflow(maskFrames = 2): Workflow {
  const frames = (layer: string, maxFrames = 2) =>
    node('media.load-frames', { path: join(DAVIS_DIR, 'goat', layer), maxFrames });
  const loaded = loadWorkflow({
    schemaVersion: 2,
    nodes: {
      fg: frames('fg'),
      mask: frames('mask', maskFrames),
      bg: frames('bg'),
      comp: node('media.composite', {}, { foreground: link('fg'), alpha: link('mask'), background: link('bg') }),
      save: node('media.save-video', { format: 'mp4-h264' }, { video: link('comp') }),
      look: node('media.preview', { frames: 2 }, { video: link('comp') }),
    },
  });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
  return loaded.workflow;
}

test('engine: load → composite → save and preview; the manifest lists the file; a re-run takes all but the preview from the cache', async () => {
  const registry = mediaRegistry();
  assert.deepEqual(
    registry.list().map((s) => s.type),
    [
      'media.composite',
      'media.load-frames',
      'media.load-video',
      'media.preview',
      'media.save-image',
      'media.save-video',
    ],
  );
  const cache = new ValueCache();
  const events: EngineEvent[] = [];
  const job = { id: 'job-1', title: 'goat', workflow: goatWorkflow(), seeds: {}, outDir: join(dir, 'run1') };
  const { result, manifest } = await runJob(job, { registry, cache, onEvent: (e) => events.push(e) });
  assert.equal(result.status, 'finished', result.error?.message);
  assert.deepEqual(
    manifest.files.map((f) => f.path),
    ['save.mp4'],
  );
  assert.deepEqual(manifest.facts.save, { files: ['save.mp4'], format: 'mp4-h264', alpha: false, withAlpha: [] });
  const previews = events.flatMap((e) => (e.type === 'node-preview' ? e.previews : []));
  assert.deepEqual(
    previews.map((p) => p.label),
    ['video · 0', 'video · 1'],
  );
  const png = decodePng(Buffer.from(previews[0].dataUrl.split(',')[1], 'base64'), 'preview');
  assert.deepEqual([png.width, png.height], [128, 85]);
  const again = await runJob({ ...job, id: 'job-2', outDir: join(dir, 'run2') }, { registry, cache });
  assert.equal(again.result.status, 'finished');
  const cached = Object.entries(again.result.nodes)
    .filter(([, n]) => n.cached)
    .map(([id]) => id);
  // The save node too: its video is linked from run1 rather than encoded again; the preview still runs.
  assert.deepEqual(cached.sort(), ['bg', 'comp', 'fg', 'mask', 'save']);
  assert.deepEqual(
    again.manifest.files.map((f) => f.path),
    ['save.mp4'],
  );
  assert.equal(again.manifest.files[0].bytes, manifest.files[0].bytes);
  assert.deepEqual(again.manifest.facts.save, manifest.facts.save, 'the cached save keeps its facts');
});

test('engine: a frame-count mismatch fails the composite, naming the node and its inputs', async () => {
  const registry = mediaRegistry();
  const wf = goatWorkflow(1);
  assert.deepEqual(validateWorkflow(wf, registry), [], 'the loaders cannot know their lengths before running');
  const job = { id: 'job-3', title: 'bad', workflow: wf, seeds: {}, outDir: join(dir, 'run3') };
  const { result } = await runJob(job, { registry });
  assert.equal(result.status, 'failed');
  assert.equal(result.error?.nodeId, 'comp');
  assert.match(
    result.error?.message ?? '',
    /node "comp" \(media\.composite\) failed on alpha: alpha has 1 frames but foreground has 2/,
  );
  assert.match(result.error?.message ?? '', /alpha: 1f 720×480 RGB/);
});

test('engine: validation addresses an unconnected save and an alpha the format drops to their fields', () => {
  const loaded = loadWorkflow({
    schemaVersion: 2,
    nodes: {
      clip: node('media.load-video', { path: '/clips/a.webm' }),
      save: node('media.save-video', { format: 'mp4-h264' }, { video: link('clip'), alpha: link('clip') }),
      empty: node('media.save-image', {}),
    },
  });
  assert.ok(loaded.ok);
  const issues = validateWorkflow(loaded.workflow, mediaRegistry()).map((i) => `${i.nodeId}.${i.field}:${i.code}`);
  assert.deepEqual(issues.sort(), ['empty.video:no-input', 'save.format:format-drops-alpha']);
});

test('engine: without a usable ffmpeg, validation names each node that needs it before anything runs', async () => {
  const registry = mediaRegistry();
  const loaded = loadWorkflow({
    schemaVersion: 2,
    nodes: {
      clip: node('media.load-video', { path: '/clips/a.webm' }),
      webm: node('media.save-video', { format: 'webm-vp9-alpha' }, { video: link('clip') }),
      pngs: node('media.save-video', { format: 'png-seq' }, { video: link('clip') }),
    },
  });
  assert.ok(loaded.ok);
  const saved = process.env.LAYERFLOW_FFMPEG;
  process.env.LAYERFLOW_FFMPEG = join(dir, 'no-ffmpeg');
  try {
    const issues = validateWorkflow(loaded.workflow, registry);
    assert.deepEqual(issues.map((i) => `${i.nodeId}.${i.field}:${i.code}`).sort(), [
      'clip.path:missing-tool',
      'webm.format:missing-tool',
    ]);
    const webm = issues.find((i) => i.nodeId === 'webm')?.message ?? '';
    assert.match(webm, /^webm-vp9-alpha is written with ffmpeg, which cannot run here: LAYERFLOW_FFMPEG=/);
    assert.match(webm, /npm install/);
    assert.match(webm, /png-seq/);
    const events: EngineEvent[] = [];
    const job = { id: 'j', title: 't', workflow: loaded.workflow, seeds: {}, outDir: join(dir, 'no-ffmpeg-run') };
    const outcome = await runJob(job, { registry, onEvent: (e) => events.push(e) });
    assert.equal(outcome.result.status, 'failed');
    assert.deepEqual(
      events.filter((e) => e.type.startsWith('node-')),
      [],
      'no node ran',
    );
  } finally {
    if (saved === undefined) delete process.env.LAYERFLOW_FFMPEG;
    else process.env.LAYERFLOW_FFMPEG = saved;
  }
  assert.deepEqual(validateWorkflow(loaded.workflow, registry), [], 'valid again with ffmpeg back');
});
