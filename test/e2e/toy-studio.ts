import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { z } from 'zod';
import { buildCatalogue } from '../../api/catalogue.ts';
import { StudioError } from '../../api/errors.ts';
import { JsonFolder } from '../../api/json-folder.ts';
import { listOutputFiles } from '../../api/output-files.ts';
import type { Issue, JobDetail, StudioEvent, WorkflowDoc } from '../../api/schemas.ts';
import type { StudioServices } from '../../api/services.ts';
import { studioPaths } from '../../api/studio-paths.ts';
import { PortKindRegistry } from '../../graph-engine/ports.ts';
import { defineNode, type NodeSpec } from '../../graph-engine/spec.ts';
import { registerPortKinds } from '../../nodes/types.ts';

/**
 * A stand-in studio for browser tests while the engine's registry and nodes are being written: real
 * port kinds, four toy nodes shaped like text → sampler → decode → save, and a runner whose steps wait
 * on a gate the test opens, so progress and cancellation can be watched without timing.
 */

const LAYERS = ['foreground', 'alpha', 'background', 'blend'];
const text = (label: string, d: string) => z.string().max(2000).default(d).meta({ widget: 'textarea', label });

const nodes = [
  defineNode({
    type: 'toy.prompts',
    version: 1,
    category: 'Toy text',
    title: 'Toy Prompts',
    docs: 'Prompts per layer.',
    purity: 'pure',
    inputs: {},
    outputs: { text: { type: { kind: 'LayerText', layers: ['foreground', 'background', 'blend'] } } },
    params: z.object({ foreground: text('Foreground', 'a red ball'), background: text('Background', 'a beach') }),
    run: async () => ({}),
  }),
  defineNode({
    type: 'toy.sampler',
    version: 1,
    category: 'Toy sampling',
    title: 'Toy Sampler',
    docs: 'Denoises layers.',
    purity: 'seeded',
    inputs: { text: { type: { kind: 'LayerText' } } },
    outputs: { latent: { type: { kind: 'Latent', layers: LAYERS, frames: 3, width: 8, height: 8 } } },
    params: z.object({
      steps: z.number().int().min(1).max(50).default(3),
      guidance: z.number().min(1).max(10).default(6).meta({ widget: 'slider', step: 0.5 }),
      seed: z.number().int().default(42).meta({ widget: 'seed' }),
      scheduler: z.enum(['dpm++2m', 'ddim']).default('dpm++2m'),
    }),
    run: async () => ({}),
  }),
  defineNode({
    type: 'toy.decode',
    version: 1,
    category: 'Toy sampling',
    title: 'Toy Decode',
    docs: 'Latents to frames.',
    purity: 'pure',
    inputs: { latent: { type: { kind: 'Latent' } } },
    outputs: { video: { type: { kind: 'LayeredVideo', layers: LAYERS, frames: 4, width: 16, height: 16 } } },
    params: z.object({}),
    run: async () => ({}),
  }),
  defineNode({
    type: 'toy.save',
    version: 1,
    category: 'Toy output',
    title: 'Toy Save Layers',
    docs: 'Writes PNG frames.',
    purity: 'sink',
    inputs: { video: { type: { kind: 'LayeredVideo' } } },
    outputs: {},
    params: z.object({ prefix: z.string().default('layer') }),
    run: async () => ({}),
  }),
  defineNode({
    type: 'toy.clip',
    version: 1,
    category: 'Toy output',
    title: 'Toy Clip',
    docs: 'A plain video.',
    purity: 'pure',
    inputs: {},
    outputs: { video: { type: { kind: 'Video', frames: 4, width: 16, height: 16, alpha: false } } },
    params: z.object({}),
    run: async () => ({}),
  }),
] as NodeSpec[];

function framePng(layer: number, frame: number): Buffer {
  const png = new PNG({ width: 16, height: 16 });
  for (let y = 0; y < 16; y++)
    for (let x = 0; x < 16; x++) {
      const i = (y * 16 + x) * 4;
      const inBall = (x - 4 - frame * 2) ** 2 + (y - 8) ** 2 < 12;
      png.data[i] = layer === 2 ? 40 + y * 10 : inBall ? 230 : 0;
      png.data[i + 1] = layer === 1 ? (inBall ? 255 : 0) : 60 + layer * 40;
      png.data[i + 2] = layer === 2 ? 200 : 40;
      png.data[i + 3] = layer === 0 && !inBall ? 0 : 255;
    }
  return PNG.sync.write(png);
}

export interface ToyStudio extends StudioServices {
  /** While held, every sampler step waits for release(). */
  hold(on: boolean): void;
}

export async function toyStudio(dataDir: string): Promise<ToyStudio> {
  const kinds = new PortKindRegistry();
  registerPortKinds(kinds);
  const paths = studioPaths(dataDir);
  const spec = (type: string) => nodes.find((n) => n.type === type);
  const listeners = new Set<(e: StudioEvent) => void>();
  const jobs = new Map<string, JobDetail>();
  const aborts = new Map<string, AbortController>();
  const workflows = new JsonFolder(paths.workflows);
  const presets = new JsonFolder(paths.presets);
  let held = false;
  let gate: { promise: Promise<void>; open(): void } | undefined;
  const emit = (e: StudioEvent) => {
    for (const l of listeners) l(e);
  };
  const setStatus = (id: string, patch: Partial<JobDetail>) => {
    jobs.set(id, { ...(jobs.get(id) as JobDetail), ...patch });
    emit({ type: `job-${patch.status}`, jobId: id });
  };

  function validate(doc: WorkflowDoc): Issue[] {
    const issues: Issue[] = [];
    for (const [nodeId, n] of Object.entries(doc.nodes)) {
      const s = spec(n.type);
      if (!s) {
        issues.push({ nodeId, code: 'unknown-type', message: `unknown node type "${n.type}"` });
        continue;
      }
      for (const [input, port] of Object.entries(s.inputs))
        if (!n.inputs[input] && !port.optional)
          issues.push({ nodeId, field: input, code: 'missing-input', message: `input "${input}" is not connected` });
      if (n.type === 'toy.prompts' && String(n.params.foreground ?? '').trim() === '')
        issues.push({ nodeId, field: 'foreground', code: 'empty-prompt', message: 'the foreground prompt is empty' });
    }
    return issues;
  }

  const outType = (doc: WorkflowDoc, node: string, output: string) =>
    spec(doc.nodes[node]?.type ?? '')?.outputs[output]?.type;

  async function step(signal: AbortSignal, gated: boolean): Promise<void> {
    if (held && gated) {
      gate ??= (() => {
        let open!: () => void;
        const promise = new Promise<void>((r) => {
          open = r;
        });
        return { promise, open };
      })();
      await Promise.race([
        gate.promise,
        new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('cancelled')))),
      ]);
    } else await new Promise((r) => setImmediate(r));
    signal.throwIfAborted();
  }

  async function run(id: string, doc: WorkflowDoc, signal: AbortSignal): Promise<void> {
    setStatus(id, { status: 'running', startedAt: Date.now() });
    const order = ['toy.prompts', 'toy.clip', 'toy.sampler', 'toy.decode', 'toy.save'];
    const ids = Object.keys(doc.nodes).sort(
      (a, b) => order.indexOf(doc.nodes[a].type) - order.indexOf(doc.nodes[b].type),
    );
    const outDir = join(paths.outputs, id);
    await mkdir(outDir, { recursive: true });
    try {
      for (const nodeId of ids) {
        const n = doc.nodes[nodeId];
        const t0 = Date.now();
        emit({ type: 'node-started', jobId: id, nodeId });
        const steps = n.type === 'toy.sampler' ? Number(n.params.steps ?? 3) : 1;
        for (let k = 1; k <= steps; k++) {
          await step(signal, n.type === 'toy.sampler');
          emit({ type: 'node-progress', jobId: id, nodeId, fraction: k / steps });
        }
        if (n.type === 'toy.sampler') {
          const previews = LAYERS.map((label, i) => ({
            label,
            dataUrl: `data:image/png;base64,${framePng(i, 1).toString('base64')}`,
          }));
          emit({ type: 'node-preview', jobId: id, nodeId, previews });
        }
        if (n.type === 'toy.save')
          for (const [i, layer] of LAYERS.entries()) {
            await mkdir(join(outDir, layer), { recursive: true });
            for (let f = 0; f < 4; f++)
              await writeFile(join(outDir, layer, `frame_${String(f).padStart(4, '0')}.png`), framePng(i, f));
          }
        emit({ type: 'node-done', jobId: id, nodeId, ms: Date.now() - t0 });
      }
      await writeFile(
        join(outDir, 'manifest.json'),
        JSON.stringify({ title: jobs.get(id)?.title, status: 'finished', ms: 12, seeds: { 'sampler-1.seed': 42 } }),
      );
      setStatus(id, { status: 'finished', finishedAt: Date.now() });
    } catch {
      setStatus(id, { status: signal.aborted ? 'cancelled' : 'failed', finishedAt: Date.now() });
    }
  }

  return {
    hold(on) {
      held = on;
      if (!on) {
        gate?.open();
        gate = undefined;
      }
    },
    catalogue: () => buildCatalogue(nodes, kinds),
    validate: async (doc) => validate(doc),
    inferTypes(doc) {
      const edges = Object.entries(doc.nodes).flatMap(([nodeId, n]) =>
        Object.entries(n.inputs).map(([input, link]) => {
          const type = outType(doc, link.node, link.output);
          const want = spec(n.type)?.inputs[input]?.type;
          return {
            from: link,
            to: { node: nodeId, input },
            type,
            text: type ? kinds.describe(type) : '?',
            mismatch: type && want ? kinds.mismatch(type, want) : null,
          };
        }),
      );
      return { outputs: {}, edges, issues: [] };
    },
    checkLink(doc, from, to) {
      const type = outType(doc, from.node, from.output);
      const want = spec(doc.nodes[to.node]?.type ?? '')?.inputs[to.input]?.type;
      return type && want ? kinds.mismatch(type, want) : 'unknown port';
    },
    workflows: {
      list: () => workflows.list(),
      load: async (name) => (await workflows.read(name)) as WorkflowDoc,
      save: (name, doc) => workflows.write(name, doc),
    },
    presets: {
      list: async () =>
        Promise.all(
          (await presets.list()).map(async ({ name }) => {
            const doc = (await presets.read(name)) as WorkflowDoc;
            return {
              name,
              title: doc.meta?.title ?? name,
              description: doc.meta?.description ?? '',
              source: 'user' as const,
            };
          }),
        ),
      load: async (name) => (await presets.read(name)) as WorkflowDoc,
      save: (name, doc) => presets.write(name, doc),
    },
    jobs: {
      async submit(doc, { targets, title }) {
        const issues = validate(doc);
        if (issues.length) throw new StudioError('bad-request', issues[0].message);
        const id = `toy-${jobs.size + 1}`;
        jobs.set(id, { id, status: 'queued', title, createdAt: Date.now(), targets, workflow: doc });
        const abort = new AbortController();
        aborts.set(id, abort);
        void run(id, doc, abort.signal);
        return { jobId: id };
      },
      async cancel(id) {
        const live = jobs.get(id)?.status === 'running' || jobs.get(id)?.status === 'queued';
        if (live) aborts.get(id)?.abort();
        return live;
      },
      list: async () => [...jobs.values()].map(({ workflow: _w, ...j }) => j),
      get: async (id) => jobs.get(id),
      subscribe: (l) => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
    },
    packs: { list: async () => [{ name: 'tiny', kind: 'tiny', path: join(dataDir, 'packs', 'tiny') }] },
    outputs: { list: (jobId) => listOutputFiles(paths.outputs, jobId) },
  };
}

export async function tempDataDir(): Promise<string> {
  return mkdtemp(join((await import('node:os')).tmpdir(), 'lf-e2e-'));
}
