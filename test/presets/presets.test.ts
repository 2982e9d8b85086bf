import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultTargets } from '../../graph-engine/graph.ts';
import { runJob } from '../../graph-engine/run-job.ts';
import { resolveSeeds } from '../../graph-engine/seeds.ts';
import { validateWorkflow } from '../../graph-engine/validate.ts';
import { loadWorkflow, type Workflow } from '../../graph-engine/workflow.ts';
import type { Frames } from '../../media/frames.ts';
import { hasVpxAlpha, probeVideo } from '../../media/probe.ts';
import { readVideo } from '../../media/read-video.ts';
import { createRegistry } from '../../nodes/index.ts';
import { listPresets, loadPreset } from '../../presets/index.ts';

const registry = createRegistry();
const PRESETS = [
  'text-to-layers',
  'text-to-layers-rgb',
  'decompose',
  'foreground-to-background',
  'background-to-foreground',
  'composite',
];
/** The node whose videos each preset saves: its outputs are checked for shape. */
const LAYERS_NODE: Record<string, string> = { decompose: 'decompose', composite: 'composite' };

let out = '';
before(async () => {
  out = await mkdtemp(join(tmpdir(), 'lf-presets-'));
});
after(() => rm(out, { recursive: true, force: true }));

async function preset(name: string): Promise<Workflow> {
  const loaded = loadWorkflow(await loadPreset(name), { registry });
  assert.ok(loaded.ok, `${name} loads: ${loaded.ok ? '' : JSON.stringify(loaded.issues)}`);
  return loaded.workflow;
}

/** The preset on the tiny pack of its variant, 2 steps, its demo clip at the tiny pack's size. */
function onTinyPack(wf: Workflow, variant: 'rgb' | 'rgba'): Workflow {
  const nodes = structuredClone(wf.nodes);
  for (const n of Object.values(nodes)) {
    if (n.type === 'layerflow.load-pack') n.params.pack = `tiny-${variant}`;
    if (n.type === 'layerflow.dit-sampler' || n.type === 'layerflow.decompose') n.params.steps = 2;
    if (n.type === 'layerflow.demo-clip') Object.assign(n.params, { frames: 8, width: 48, height: 32 });
  }
  return { ...wf, nodes };
}

describe('shipped presets', () => {
  it('are all listed, load, validate, and expose a small form', async () => {
    const names = (await listPresets()).map((p) => p.name);
    for (const name of PRESETS) {
      assert.ok(names.includes(name), `${name} is listed`);
      const wf = await preset(name);
      assert.deepEqual(validateWorkflow(wf, registry), [], name);
      assert.ok(wf.meta?.title && wf.meta.description, `${name} has a title and description`);
      const fields = (wf.form ?? []).map((f) => `${wf.nodes[f.node].type}.${f.param}`);
      for (const want of ['layerflow.layer-prompts.foreground', 'load-pack.pack']) {
        assert.ok(
          fields.some((f) => f.endsWith(want)),
          `${name} form has ${want}: ${fields}`,
        );
      }
      assert.ok(
        fields.some((f) => f.endsWith('.seed')) && fields.some((f) => f.endsWith('.steps')),
        `${name} seed, steps`,
      );
      if (Object.values(wf.nodes).some((n) => n.type === 'layerflow.demo-clip')) {
        // A file input (`--set input.path=clip.mp4`) first, falling back to the demo clip while empty.
        assert.equal(wf.nodes.input?.type, 'media.load-video', `${name}: its input is a Load Video`);
        assert.equal(wf.nodes.input.params.path, '');
        assert.equal(wf.nodes[wf.nodes.input.inputs.fallback?.node ?? '']?.type, 'layerflow.demo-clip');
        assert.deepEqual([wf.form?.[0].node, wf.form?.[0].param], ['input', 'path'], `${name}: the file comes first`);
        assert.ok(
          fields.some((f) => f.startsWith('layerflow.demo-clip.')),
          `${name} exposes its demo clip`,
        );
      }
      assert.ok(
        Object.values(wf.nodes).every((n) => n.type !== 'layerflow.dit-sampler' || n.params.seed !== undefined),
      );
    }
  });

  it('runs decompose as shipped (demo pack, demo clip) and recovers the clip’s layers', async () => {
    const wf = await preset('decompose');
    wf.nodes.decompose.params.steps = 12;
    const { workflow, seeds } = resolveSeeds(wf, registry);
    const dir = join(out, 'decompose-demo');
    const targets = [...defaultTargets(workflow, registry), 'demo', 'decompose'];
    const { result } = await runJob(
      { id: 'demo', title: 'decompose', workflow, seeds, outDir: dir, targets },
      { registry },
    );
    assert.equal(result.status, 'finished', result.error?.message);
    const truth = result.outputs.demo as Record<string, Frames>;
    const got = result.outputs.decompose as Record<string, Frames>;
    const alpha = truth.foreground.data.filter((_, i) => i % 4 === 3);
    const off = got.alpha.data.reduce((m, v, i) => Math.max(m, Math.abs(v - alpha[Math.floor(i / 3)])), 0);
    assert.ok(off < 2 / 255, `alpha off by ${off * 255}/255`);
  });

  for (const name of PRESETS) {
    it(`${name} runs end to end on the tiny pack: files, alpha, shapes, manifest`, async () => {
      const variant = name.endsWith('-rgb') ? 'rgb' : 'rgba';
      const wf = onTinyPack(await preset(name), variant);
      const layersNode = LAYERS_NODE[name] ?? 'split';
      const { workflow, seeds } = resolveSeeds(wf, registry);
      const dir = join(out, name);
      const targets = [...defaultTargets(workflow, registry), layersNode];
      const { result, manifest, manifestPath } = await runJob(
        { id: name, title: name, workflow, seeds, outDir: dir, targets },
        { registry },
      );
      assert.equal(result.status, 'finished', result.error?.message);

      const videos = result.outputs[layersNode] as Record<string, Frames>;
      for (const v of Object.values(videos)) assert.deepEqual([v.frames, v.width, v.height], [8, 48, 32]);
      const files = manifest.files.map((f) => f.path);
      const want =
        name === 'composite'
          ? ['composite.mp4', 'foreground.webm']
          : ['alpha.mp4', 'background.mp4', 'foreground.webm'];
      for (const f of want) assert.ok(files.includes(f), `${name} wrote ${f} (wrote ${files})`);
      assert.ok(manifest.files.every((f) => f.bytes > 0));
      assert.ok(hasVpxAlpha(await probeVideo(join(dir, 'foreground.webm'))), 'the foreground keeps its alpha');
      const fg = await readVideo(join(dir, 'foreground.webm'));
      assert.deepEqual([fg.frames, fg.width, fg.height, fg.channels], [8, 48, 32, 4]);

      const saved = JSON.parse(await readFile(manifestPath, 'utf8'));
      assert.equal(saved.status, 'finished');
      const pack = saved.facts.pack as {
        pack: { name: string };
        files: Record<string, { sha256: string }>;
        device: object;
      };
      assert.equal(pack.pack.name, `tiny-${variant}`);
      assert.match(pack.files.vaeDecoder.sha256, /^[0-9a-f]{64}$/);
      assert.ok(pack.device);
      const sampler = Object.entries(saved.nodes as Record<string, { type: string }>).find(([, n]) =>
        ['layerflow.dit-sampler', 'layerflow.decompose'].includes(n.type),
      )?.[0];
      assert.ok(sampler && typeof saved.seeds[sampler] === 'number', 'the seed is recorded');
      assert.equal(saved.facts[sampler].sampler.steps, 2);
    });
  }
});
