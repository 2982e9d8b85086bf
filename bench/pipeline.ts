import { rmSync } from 'node:fs';
import { mkdtemp, readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ValueCache } from '../graph-engine/cache.ts';
import type { RunResult } from '../graph-engine/execute.ts';
import type { NodeRegistry } from '../graph-engine/registry.ts';
import { runJob } from '../graph-engine/run-job.ts';
import { resolveSeeds } from '../graph-engine/seeds.ts';
import { loadWorkflow, type Workflow } from '../graph-engine/workflow.ts';
import { createRegistry } from '../nodes/index.ts';
import { openPack } from '../nodes/layerflow/pack-source.ts';
import { loadPreset } from '../presets/index.ts';

/** The preset figures 1, 2 and 5 run, on the tiny pack at 20 steps on CPU. */
export const PRESET = 'text-to-layers';
export const TINY_PACK = 'tiny-rgba';
export const STEPS = 20;
const COMPOSITE = 'bench-composite';

/** The preset ready to run. */
export interface Pipeline {
  registry: NodeRegistry;
  /** The preset as shipped, on `pack` at 20 steps with a fixed seed. */
  workflow: Workflow;
  pack: string;
  /** Which workflow this is, for the notes. */
  source: string;
}

/** text-to-layers as shipped, on the named pack, 20 steps (or `steps`), CPU only. */
export async function textToLayers(pack = TINY_PACK, steps = STEPS): Promise<Pipeline> {
  process.env.LAYERFLOW_PROVIDERS = 'cpu';
  const registry = createRegistry();
  const loaded = loadWorkflow(await loadPreset(PRESET), { registry });
  if (!loaded.ok) throw new Error(`preset ${PRESET} does not load: ${JSON.stringify(loaded.issues[0])}`);
  return { registry, workflow: configure(loaded.workflow, pack, steps), pack, source: `preset ${PRESET} on ${pack}` };
}

/** The pipeline on the tiny pack after one untimed run (session creation, JIT). */
export async function warmPipeline(): Promise<Pipeline> {
  const tiny = await textToLayers(TINY_PACK);
  await runPipeline(tiny, tiny.workflow);
  return tiny;
}

/** The pack, `steps` steps, seed fixed (so repetitions do the same work). */
function configure(wf: Workflow, pack: string, steps: number): Workflow {
  const nodes = Object.fromEntries(
    Object.entries(wf.nodes).map(([id, node]) => {
      const params = { ...node.params };
      if (node.type === 'layerflow.load-pack') params.pack = pack;
      if (node.type === 'layerflow.dit-sampler') Object.assign(params, { steps, seed: 1234 });
      return [id, { ...node, params }];
    }),
  );
  return { ...wf, nodes };
}

/**
 * The workflow plus a Composite of its split layers (foreground with its alpha matte over the background)
 * saved as one more video: text-to-layers ships without a compositor, figure 2 needs one to change.
 */
export function withCompositor(wf: Workflow, opacity: number): { workflow: Workflow; compositor: string } {
  const split = Object.keys(wf.nodes).find((id) => wf.nodes[id].type === 'layerflow.split-layers');
  if (!split) throw new Error(`${PRESET} has no Split Layers node to composite from`);
  const link = (output: string) => ({ node: split, output });
  const nodes = {
    ...wf.nodes,
    [COMPOSITE]: {
      type: 'media.composite',
      typeVersion: 1,
      params: { opacity },
      inputs: { foreground: link('foreground'), alpha: link('alpha'), background: link('background') },
    },
    [`${COMPOSITE}-save`]: {
      type: 'media.save-video',
      typeVersion: 1,
      params: { format: 'mp4-h264', filename: 'composite' },
      inputs: { video: { node: COMPOSITE, output: 'video' } },
    },
  };
  return { workflow: { ...wf, nodes }, compositor: COMPOSITE };
}

/**
 * Bytes of the pack's model files that the generate task reads: every file in the pack folder (external
 * weight data included) except the manifest, hidden files, the VAE encoder and other tasks' transformers.
 */
export async function modelBytes(name: string): Promise<{ used: number; all: number }> {
  const pack = await openPack(name);
  const unused = new Set(
    Object.entries(pack.files)
      .filter(([role]) => role === 'vaeEncoder' || (role.startsWith('transformer.') && role !== 'transformer.generate'))
      .map(([, file]) => file.abs),
  );
  let used = 0;
  let all = 0;
  for (const entry of await readdir(pack.dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || entry.name.startsWith('.') || entry.name === 'manifest.json') continue;
    const path = join(entry.parentPath, entry.name);
    const { size } = await stat(path);
    all += size;
    if (!unused.has(path)) used += size;
  }
  return { used, all };
}

export interface TimedRun {
  ms: number;
  result: RunResult;
}

/** One job through the engine's job runner (graph-engine/run-job.ts), as the CLI runs it. */
export async function runPipeline(
  p: Pipeline,
  wf: Workflow,
  cache?: ValueCache,
  targets?: string[],
): Promise<TimedRun> {
  // Run folders stay until the process exits: a later run's cached sinks link their files from them.
  const outDir = await mkdtemp(join(await runsRoot(), 'run-'));
  {
    const { workflow, seeds } = resolveSeeds(wf, p.registry);
    const start = performance.now();
    const { result } = await runJob(
      { id: `bench-${Date.now()}`, title: 'bench', workflow, seeds, outDir, ...(targets ? { targets } : {}) },
      { registry: p.registry, ...(cache ? { cache } : {}) },
    );
    const ms = performance.now() - start;
    if (result.status !== 'finished') {
      throw new Error(`${p.source} ${result.status}: ${result.error?.message ?? JSON.stringify(result.issues ?? [])}`);
    }
    return { ms, result };
  }
}

let root: string | undefined;

/** A temp folder for this process's run folders, removed when it exits. */
async function runsRoot(): Promise<string> {
  if (!root) {
    const dir = await mkdtemp(join(tmpdir(), 'lf-bench-runs-'));
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    root = dir;
  }
  return root;
}
