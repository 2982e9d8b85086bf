import { mkdir, readdir, readFile } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { childRunner } from '../graph-engine/child-runner.ts';
import type { EngineEvent } from '../graph-engine/events.ts';
import { inferGraphTypes } from '../graph-engine/infer.ts';
import type { JobStatus } from '../graph-engine/job.ts';
import type { BackendJob, JobBackend } from '../graph-engine/job-backend.ts';
import { localJobs } from '../graph-engine/local-jobs.ts';
import { ManifestSchema } from '../graph-engine/manifest.ts';
import { JobQueue, JobRejectedError } from '../graph-engine/queue.ts';
import type { NodeRegistry } from '../graph-engine/registry.ts';
import { validateWorkflow } from '../graph-engine/validate.ts';
import { type LoadIssue, loadWorkflow, type Workflow } from '../graph-engine/workflow.ts';
import { createRegistry } from '../nodes/index.ts';
import { findPreset, PresetNotFoundError, presetLibrary } from '../presets/index.ts';
import { buildCatalogue } from './catalogue.ts';
import { keepEditorSpares } from './engine-registry.ts';
import { StudioError } from './errors.ts';
import { fileProber, type Probed } from './file-probes.ts';
import { JsonFolder } from './json-folder.ts';
import { type FolderOpener, openFolder } from './open-folder.ts';
import { listOutputFiles } from './output-files.ts';
import type { EdgeType, Inferred, Issue, JobDetail, JobSummary, PackSummary, WorkflowDoc } from './schemas.ts';
import type { StudioServices } from './services.ts';
import { studioPaths } from './studio-paths.ts';
import { uploadReceiver } from './uploads.ts';

/** How the server's engine child builds the same registry, spare encoders included; started at launch. */
const ENGINE_RUNNER = {
  registryModule: fileURLToPath(new URL('./engine-registry.ts', import.meta.url)),
  registryExport: 'createEngineRegistry',
  prestart: true,
};

/** Job states after which nothing changes. */
const FINAL: ReadonlySet<JobStatus> = new Set(['finished', 'failed', 'cancelled']);
const FINAL_EVENT: Partial<Record<EngineEvent['type'], JobStatus>> = {
  'job-finished': 'finished',
  'job-failed': 'failed',
  'job-cancelled': 'cancelled',
};

function loadIssueText(issues: LoadIssue[]): string {
  return issues.map((i) => `${i.path}: ${i.message}`).join('; ');
}

/** A file as the editor should hold it: migrated to the current schemaVersion, or a clear refusal. */
function migrated(doc: unknown, registry: NodeRegistry, name: string): WorkflowDoc {
  const loaded = loadWorkflow(doc, { registry });
  if (!loaded.ok) throw new StudioError('bad-request', `"${name}" does not load: ${loadIssueText(loaded.issues)}`);
  return loaded.workflow;
}

function inferEdges(
  workflow: Workflow,
  registry: NodeRegistry,
  probed: Probed = { types: {}, media: {}, issues: [] },
): Inferred {
  const types = inferGraphTypes(workflow, registry, undefined, probed.types);
  const edges: EdgeType[] = [];
  for (const [nodeId, node] of Object.entries(workflow.nodes)) {
    const spec = registry.get(node.type, node.typeVersion);
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
  return {
    outputs: types.outputs,
    edges,
    issues: [...types.issues, ...probed.issues],
    notes: types.notes,
    media: probed.media as Inferred['media'],
  };
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

/**
 * The queue writes a job's final record after the engine's final event (it writes the manifest in
 * between), so a client that refreshes on that event could read "running". This keeps the outcome the
 * event announced until the record catches up, so the event and the job list never disagree.
 */
function outcomeTracker(jobs: JobBackend) {
  const announced = new Map<string, { status: JobStatus; error?: BackendJob['error'] }>();
  jobs.subscribe((event) => {
    const status = FINAL_EVENT[event.type];
    if (!status) return;
    const error = event.type === 'job-failed' ? { code: event.code, message: event.message } : undefined;
    announced.set(event.jobId, error ? { status, error } : { status });
  });
  return (job: BackendJob): BackendJob => {
    const seen = announced.get(job.id);
    if (!seen) return job;
    if (FINAL.has(job.status)) {
      announced.delete(job.id);
      return job;
    }
    return { ...job, status: seen.status, ...(seen.error ? { error: seen.error } : {}) };
  };
}

function summary(job: BackendJob): JobSummary {
  const { workflow: _w, seeds: _s, outDir: _o, interruptions: _i, manifestPath: _m, ...rest } = job;
  return rest;
}

function detail(job: BackendJob): JobDetail {
  return { ...summary(job), workflow: job.workflow, seeds: job.seeds };
}

/**
 * The local persistent queue as the jobs backend; `isolate` runs its jobs in an engine child. Jobs run where
 * the spare encoders are kept: in the engine child when isolated, else in this process.
 */
async function localBackend(dir: string, registry: NodeRegistry, isolate: boolean): Promise<JobBackend> {
  const runner = isolate ? childRunner(ENGINE_RUNNER) : undefined;
  if (!runner) keepEditorSpares();
  const queue = await JobQueue.open({ dir, registry, runner }).catch(async (err: unknown) => {
    // the engine child already started would keep this process alive (a second serve on a locked folder)
    await runner?.close?.();
    throw err;
  });
  return localJobs(queue);
}

/**
 * The API's services over the real engine: node registry, validation, inference, jobs, presets. Jobs
 * go to the local persistent queue unless `jobs` names another backend (a farm: `serve --redis`).
 */
export async function createStudio(opts: {
  dataDir: string;
  registry?: NodeRegistry;
  /** How to show a folder to the user (tests pass a fake). */
  openFolder?: FolderOpener;
  /**
   * Run jobs in a child process (the server does: its event loop must keep answering while a node
   * computes, and a crash must take only the job). Needs the built-in registry, which the child rebuilds.
   */
  isolate?: boolean;
  /** Where jobs run; the local queue in the data folder by default. */
  jobs?: JobBackend;
  /** Where run folders are (served under /files/): the farm's shared folder for a farm. */
  outputsDir?: string;
}): Promise<StudioServices> {
  const paths = studioPaths(opts.dataDir);
  const registry = opts.registry ?? createRegistry();
  const backend = opts.jobs ?? (await localBackend(paths.jobs, registry, opts.isolate === true && !opts.registry));
  const outputsDir = opts.outputsDir ?? paths.outputs;
  const settled = outcomeTracker(backend);
  const workflows = new JsonFolder(paths.workflows);
  const userPresets = new JsonFolder(paths.presets);
  const catalogue = buildCatalogue(registry);
  const probeFiles = fileProber(registry);
  const load = (doc: WorkflowDoc) => loadWorkflow(doc, { registry });
  const job = async (id: string) => {
    const record = await backend.get(id);
    return record && settled(record);
  };
  const jobRecord = async (id: string): Promise<BackendJob> => {
    const record = await backend.get(id);
    if (!record) throw new StudioError('not-found', `no job "${id}"`);
    return record;
  };
  /** The job's run folder: `<time>-<title>` from the local queue; a farm job's may be relative to the outputs. */
  const runFolder = (record: BackendJob): string =>
    isAbsolute(record.outDir) ? record.outDir : join(outputsDir, record.outDir);
  /** The job's run folder relative to the served outputs folder; undefined when it lies elsewhere. */
  const servedFolder = (record: BackendJob): string | undefined => {
    const rel = relative(outputsDir, runFolder(record));
    return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : undefined;
  };

  return {
    catalogue: () => catalogue,
    async validate(doc) {
      const loaded = load(doc);
      if (!loaded.ok) return loaded.issues satisfies Issue[];
      // A farm judges packs by what its workers hold, not by what this machine has.
      return backend.validate ? backend.validate(loaded.workflow) : validateWorkflow(loaded.workflow, registry);
    },
    async inferTypes(doc) {
      const loaded = load(doc);
      if (!loaded.ok) return { outputs: {}, edges: [], issues: loaded.issues, notes: [], media: {} };
      return inferEdges(loaded.workflow, registry, await probeFiles(loaded.workflow));
    },
    checkLink(doc, from, to) {
      const loaded = load(doc);
      if (!loaded.ok) return null;
      const target = loaded.workflow.nodes[to.node];
      const type = inferGraphTypes(loaded.workflow, registry).outputs[from.node]?.[from.output];
      const want = target && registry.get(target.type, target.typeVersion)?.inputs[to.input]?.type;
      return type && want ? registry.kinds.mismatch(type, want) : null;
    },
    async importWorkflow(json, name) {
      const manifest = ManifestSchema.pick({ title: true, workflow: true }).safeParse(json);
      const isManifest = typeof (json as { manifestVersion?: unknown })?.manifestVersion === 'number';
      if (isManifest && !manifest.success) throw new StudioError('bad-request', `${name}: not a readable run manifest`);
      const doc = isManifest && manifest.success ? manifest.data.workflow : json;
      const workflow = migrated(doc, registry, name);
      const title = workflow.meta?.title || (manifest.success ? manifest.data.title : '') || name.replace(/\.\w+$/, '');
      return { workflow, title };
    },
    workflows: {
      list: () => workflows.list(),
      load: async (name) => migrated(await workflows.read(name), registry, name),
      save: (name, doc) => workflows.write(name, doc),
    },
    presets: {
      async list() {
        return (await presetLibrary(paths.presets)).map(({ name, title, description, source }) => ({
          name,
          title,
          description,
          source,
        }));
      },
      async load(name) {
        const { json } = await findPreset(name, paths.presets).catch((err: unknown) => {
          if (err instanceof PresetNotFoundError) throw new StudioError('not-found', `no preset "${name}"`);
          throw err;
        });
        return migrated(json, registry, name);
      },
      save: (name, doc) => userPresets.write(name, doc),
    },
    jobs: {
      async submit(doc, { targets, title }) {
        try {
          return { jobId: (await backend.submit(doc, { targets, title })).id };
        } catch (err) {
          if (err instanceof JobRejectedError) throw new StudioError('bad-request', err.message, err.issues);
          throw err;
        }
      },
      cancel: (id) => backend.cancel(id),
      list: async () => (await backend.list()).map((j) => summary(settled(j))),
      get: async (id) => {
        const record = await job(id);
        return record && detail(record);
      },
      subscribe: (listener) => backend.subscribe(listener),
    },
    packs: { list: () => listPacks(paths.packs) },
    upload: uploadReceiver(paths.inputs),
    outputs: {
      list: async (jobId) => {
        const folder = servedFolder(await jobRecord(jobId));
        return folder === undefined ? [] : listOutputFiles(outputsDir, folder);
      },
      openFolder: async (jobId) => {
        const dir = runFolder(await jobRecord(jobId));
        await mkdir(dir, { recursive: true });
        return (opts.openFolder ?? openFolder)(dir);
      },
    },
    close: () => backend.close(),
  };
}
