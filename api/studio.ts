import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inferGraphTypes } from '../graph-engine/infer.ts';
import { JobQueue, JobRejectedError } from '../graph-engine/queue.ts';
import type { NodeRegistry } from '../graph-engine/registry.ts';
import { validateWorkflow } from '../graph-engine/validate.ts';
import { loadWorkflow, type Workflow } from '../graph-engine/workflow.ts';
import { createRegistry } from '../nodes/index.ts';
import { listPresets, loadPreset } from '../presets/index.ts';
import { buildCatalogue } from './catalogue.ts';
import { StudioError } from './errors.ts';
import { JsonFolder } from './json-folder.ts';
import { listOutputFiles } from './output-files.ts';
import type { EdgeType, Inferred, Issue, JobDetail, JobSummary, PackSummary, WorkflowDoc } from './schemas.ts';
import type { StudioServices } from './services.ts';
import { studioPaths } from './studio-paths.ts';

/** Loads (migrates) a document; load problems come back as issues instead of a workflow. */
function load(doc: WorkflowDoc): { workflow?: Workflow; issues: Issue[] } {
  const loaded = loadWorkflow(doc);
  return loaded.ok ? { workflow: loaded.workflow, issues: [] } : { issues: loaded.issues };
}

function inferEdges(workflow: Workflow, registry: NodeRegistry): Inferred {
  const types = inferGraphTypes(workflow, registry);
  const edges: EdgeType[] = [];
  for (const [nodeId, node] of Object.entries(workflow.nodes)) {
    const spec = registry.get(node.type);
    for (const [input, link] of Object.entries(node.inputs)) {
      const type = types.outputs[link.node]?.[link.output];
      const want = spec?.inputs[input]?.type;
      edges.push({
        from: link,
        to: { node: nodeId, input },
        type,
        text: type ? registry.kinds.describe(type) : '?',
        mismatch: type && want ? registry.kinds.mismatch(type, want) : null,
      });
    }
  }
  return { outputs: types.outputs, edges, issues: types.issues };
}

function summary(job: JobDetail): JobSummary {
  const { workflow: _w, manifest: _m, ...rest } = job;
  return rest;
}

async function listPacks(dir: string): Promise<PackSummary[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const packs: PackSummary[] = [];
  for (const name of names) {
    const manifest = await readFile(join(dir, name, 'manifest.json'), 'utf8').then(JSON.parse, () => undefined);
    if (manifest)
      packs.push({ name, kind: String(manifest.kind ?? 'unknown'), variant: manifest.variant, path: join(dir, name) });
  }
  return packs;
}

/** The API's services over the real engine: node registry, validation, inference, job queue, presets. */
export async function createStudio(opts: { dataDir: string; registry?: NodeRegistry }): Promise<StudioServices> {
  const paths = studioPaths(opts.dataDir);
  const registry = opts.registry ?? createRegistry();
  const queue = await JobQueue.open({ dir: paths.jobs, registry });
  const workflows = new JsonFolder(paths.workflows);
  const userPresets = new JsonFolder(paths.presets);
  const catalogue = buildCatalogue(registry.list(), registry.kinds);

  const detail = (id: string): JobDetail | undefined => {
    const job = queue.get(id);
    if (!job) return undefined;
    const { workflow, seeds: _s, outDir: _o, interruptions: _i, manifestPath: _p, ...rest } = job;
    return { ...rest, workflow: workflow as WorkflowDoc };
  };

  return {
    catalogue: () => catalogue,
    async validate(doc) {
      const { workflow, issues } = load(doc);
      return workflow ? validateWorkflow(workflow, registry) : issues;
    },
    inferTypes(doc) {
      const { workflow, issues } = load(doc);
      return workflow ? inferEdges(workflow, registry) : { outputs: {}, edges: [], issues };
    },
    checkLink(doc, from, to) {
      const { workflow } = load(doc);
      if (!workflow) return null;
      const type = inferGraphTypes(workflow, registry).outputs[from.node]?.[from.output];
      const want = registry.get(workflow.nodes[to.node]?.type ?? '')?.inputs[to.input]?.type;
      return type && want ? registry.kinds.mismatch(type, want) : null;
    },
    workflows: {
      list: () => workflows.list(),
      load: async (name) => (await workflows.read(name)) as WorkflowDoc,
      save: (name, doc) => workflows.write(name, doc),
    },
    presets: {
      async list() {
        const builtin = await listPresets();
        const user = await userPresets.list();
        const mine = await Promise.all(
          user.map(async ({ name }) => {
            const doc = (await userPresets.read(name)) as WorkflowDoc;
            return {
              name,
              title: doc.meta?.title ?? name,
              description: doc.meta?.description ?? '',
              source: 'user' as const,
            };
          }),
        );
        return [...builtin.map((p) => ({ ...p, source: 'builtin' as const })), ...mine];
      },
      async load(name) {
        const user = await userPresets.list();
        if (user.some((p) => p.name === name)) return (await userPresets.read(name)) as WorkflowDoc;
        return (await loadPreset(name)) as WorkflowDoc;
      },
      save: (name, doc) => userPresets.write(name, doc),
    },
    jobs: {
      async submit(doc, { targets, title }) {
        try {
          const job = await queue.submit(doc, { targets, title });
          return { jobId: job.id };
        } catch (err) {
          if (err instanceof JobRejectedError) throw new StudioError('bad-request', err.message);
          throw err;
        }
      },
      cancel: (id) => queue.cancel(id),
      list: async () => queue.list().map((j) => summary(detail(j.id) as JobDetail)),
      get: async (id) => detail(id),
      subscribe: (listener) => queue.subscribe((event) => listener(event as never)),
    },
    packs: { list: () => listPacks(paths.packs) },
    outputs: {
      list: async (jobId) => {
        if (!queue.get(jobId)) throw new StudioError('not-found', `no job "${jobId}"`);
        return listOutputFiles(paths.outputs, jobId);
      },
    },
  };
}
