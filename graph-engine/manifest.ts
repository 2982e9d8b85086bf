import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { z } from 'zod';
import { appInfo } from './app-version.ts';
import { isHiddenName, writeFileAtomic } from './atomic-file.ts';
import type { RunResult } from './execute.ts';
import { inferGraphTypes } from './infer.ts';
import { JobErrorSchema, NodeTimingSchema, toJobError } from './job.ts';
import type { NodeRegistry } from './registry.ts';
import type { Workflow, WorkflowNode } from './workflow.ts';

export const MANIFEST_FILE = 'manifest.json';

const IsoTime = z.iso.datetime();

/** One node of the run: what it was, the params it ran with (defaults filled), and how long it took. */
export const ManifestNodeSchema = z.object({
  type: z.string(),
  version: z.number().optional(),
  params: z.record(z.string(), z.unknown()),
  /** Absent for nodes that did not need to run for the requested outputs. */
  timing: NodeTimingSchema.optional(),
});

/** Which machine ran a job: a farm worker's id, its host and the execution device it used. */
export const RunnerSchema = z.object({
  worker: z.string(),
  host: z.string(),
  /** The execution provider sessions ran on (cuda, webgpu, cpu, …). */
  device: z.string().optional(),
});
export type Runner = z.infer<typeof RunnerSchema>;

/** What a run did, written beside its outputs so it can be understood and repeated later. */
export const ManifestSchema = z.object({
  manifestVersion: z.literal(1),
  app: z.object({ name: z.string(), version: z.string() }),
  jobId: z.string(),
  title: z.string(),
  status: z.enum(['finished', 'failed', 'cancelled']),
  error: JobErrorSchema.optional(),
  startedAt: IsoTime,
  finishedAt: IsoTime,
  ms: z.number(),
  targets: z.array(z.string()).optional(),
  /** Set when a farm worker ran the job. */
  runner: RunnerSchema.optional(),
  /** The workflow exactly as run: migrated, seeds resolved. */
  workflow: z.looseObject({ schemaVersion: z.number(), nodes: z.record(z.string(), z.unknown()) }),
  seeds: z.record(z.string(), z.number()),
  nodes: z.record(z.string(), ManifestNodeSchema),
  /** What nodes reported through ctx.report: model file hashes, device and provider, and so on. */
  facts: z.record(z.string(), z.unknown()),
  /** Files the run wrote, relative to its output folder. */
  files: z.array(z.object({ path: z.string(), bytes: z.number() })),
  /** The nodes' notes on this workflow (resizes, caveats such as a demo pack fed footage it never saw). */
  notes: z
    .array(z.object({ nodeId: z.string(), field: z.string(), level: z.enum(['info', 'warning']), message: z.string() }))
    .optional(),
});
export type Manifest = z.infer<typeof ManifestSchema>;

/** A finished run as the manifest needs it. */
export interface RunRecord {
  jobId: string;
  title: string;
  workflow: Workflow;
  seeds: Record<string, number>;
  targets?: string[];
  outDir: string;
  startedAt: number;
  finishedAt: number;
  result: RunResult;
  runner?: Runner;
}

/** Builds the manifest of a run: params resolved against the node specs, timings, facts and files. */
export async function buildManifest(run: RunRecord, registry: NodeRegistry): Promise<Manifest> {
  const { result } = run;
  const nodes: Manifest['nodes'] = {};
  for (const [id, node] of Object.entries(run.workflow.nodes)) {
    const timing = result.nodes[id];
    nodes[id] = {
      type: node.type,
      ...(node.typeVersion === undefined ? {} : { version: node.typeVersion }),
      params: resolvedParams(registry, node),
      ...(timing ? { timing: { ms: timing.ms, cached: timing.cached, reason: timing.reason } } : {}),
    };
  }
  return ManifestSchema.parse({
    manifestVersion: 1,
    app: appInfo(),
    jobId: run.jobId,
    title: run.title,
    status: result.status,
    ...(result.error === undefined ? {} : { error: toJobError(result.error) }),
    startedAt: new Date(run.startedAt).toISOString(),
    finishedAt: new Date(run.finishedAt).toISOString(),
    ms: run.finishedAt - run.startedAt,
    ...(run.targets ? { targets: run.targets } : {}),
    ...(run.runner ? { runner: run.runner } : {}),
    workflow: run.workflow,
    seeds: run.seeds,
    nodes,
    facts: result.facts ?? {},
    files: await listFiles(run.outDir),
    notes: inferGraphTypes(run.workflow, registry, run.targets).notes,
  });
}

/** The run manifest could not be written: the run's outcome is known, its record on disk is not. */
export class ManifestWriteError extends Error {
  readonly code = 'manifest-write-failed';
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    super(`could not write the run manifest ${path}: ${(cause as Error).message ?? cause}`, { cause });
    this.name = 'ManifestWriteError';
  }
}

/** Writes `manifest.json` into the run's output folder atomically (not synced, as the outputs) and returns its path. */
export async function writeManifest(outDir: string, manifest: Manifest): Promise<string> {
  const path = join(outDir, MANIFEST_FILE);
  await writeFileAtomic(path, `${JSON.stringify(manifest, null, 2)}\n`, { sync: false }).catch((err: unknown) => {
    throw new ManifestWriteError(path, err);
  });
  return path;
}

/** Params with the spec's defaults filled in; as written when the spec is unknown or rejects them. */
function resolvedParams(registry: NodeRegistry, node: WorkflowNode): Record<string, unknown> {
  const spec = registry.get(node.type, node.typeVersion);
  const parsed = spec?.params.safeParse(node.params ?? {});
  return parsed?.success ? (parsed.data as Record<string, unknown>) : { ...node.params };
}

/** Files under `root` (posix-style relative paths), leaving out the manifest and temp (dot-named) files. */
async function listFiles(root: string): Promise<Manifest['files']> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  const files: Manifest['files'] = [];
  for (const entry of entries) {
    const full = join(entry.parentPath, entry.name);
    const rel = relative(root, full).split(sep);
    if (!entry.isFile() || (rel.length === 1 && entry.name === MANIFEST_FILE) || rel.some(isHiddenName)) continue;
    const info = await stat(full).catch(() => undefined);
    if (info) files.push({ path: rel.join('/'), bytes: info.size });
  }
  return files.sort((a, b) => a.path.localeCompare(b.path));
}
