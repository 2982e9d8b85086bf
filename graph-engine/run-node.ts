import { randomUUID } from 'node:crypto';
import { type CacheEntry, cacheKey, estimateBytes, type KeyIngredients, type ValueCache } from './cache.ts';
import { linksOf } from './graph.ts';
import { canonicalJson } from './json.ts';
import { type Emit, nodeContext } from './node-context.ts';
import type { NodeRegistry } from './registry.ts';
import { filesUnder, type RunFiles, relocate, restoreFiles, snapshot, writtenFiles } from './run-files.ts';
import { SEED_PARAM } from './seeds.ts';
import type { NodeSpec, Prepared } from './spec.ts';
import type { Workflow } from './workflow.ts';

/** How one node's turn went, as the run result records it. */
export interface NodeRun {
  ms: number;
  cached: boolean;
  /** Why it ran instead of coming from the cache ("params changed: steps", "no cache entry", …). */
  reason: string;
}

/** What a job run holds while its nodes run one by one. */
export interface JobState {
  wf: Workflow;
  registry: NodeRegistry;
  cache?: ValueCache;
  signal: AbortSignal;
  outDir: string;
  /** The workflow as sinks embed it in their files (RunContext.workflowJson). */
  workflowJson: string;
  emit: Emit;
  /** Each finished node's key, which its readers' keys include. */
  keys: Map<string, string>;
  /** Outputs of finished nodes still needed by a later node or the result. */
  values: Map<string, Readonly<Record<string, unknown>>>;
  nodes: Record<string, NodeRun>;
  facts: Record<string, Record<string, unknown>>;
  /** Each node's parsed params and cache key, worked out before any node runs (planNodes). */
  plans: Map<string, NodePlan>;
  /** What nodes' `prepare` returned, until the job ends. */
  prepared: Map<string, Prepared>;
}

/** A node's parsed params and cache key (undefined: it always runs). */
export interface NodePlan {
  params: Record<string, unknown>;
  ingredients: KeyIngredients;
  key?: string;
}

/** A node returned without one of its declared outputs. */
export class MissingOutputError extends Error {
  readonly code = 'missing-output';
  constructor(
    readonly nodeId: string,
    readonly output: string,
  ) {
    super(`node "${nodeId}" returned no value for its output "${output}"`);
    this.name = 'MissingOutputError';
  }
}

/** The values arriving at the node's connected inputs. */
export function gatherInputs(state: JobState, id: string): Record<string, unknown> {
  return Object.fromEntries(
    linksOf(state.wf, id).map(([name, link]) => [name, state.values.get(link.node)?.[link.output]]),
  );
}

/**
 * Works out the params and cache key of each node of `order` (upstream first) before any runs, so the
 * job knows which nodes the cache will answer; keys depend on params and upstream keys, not on values.
 */
export async function planNodes(state: JobState, order: string[]): Promise<void> {
  for (const id of order) {
    const spec = specOf(state, id);
    const params = spec.params.parse(state.wf.nodes[id].params) as Record<string, unknown>;
    const ingredients = await keyIngredients(state, id, spec, params);
    const key = cacheable(spec) ? cacheKey(ingredients) : undefined;
    // A node that always runs gives its readers a fresh key, so they never reuse a stale result.
    state.keys.set(id, key ?? randomUUID());
    state.plans.set(id, { params, ingredients, key });
  }
}

/** Calls `prepare` of the planned nodes that have one and that the cache will not answer. */
export function prepareNodes(state: JobState, order: string[]): void {
  for (const id of order) {
    const spec = specOf(state, id);
    const plan = state.plans.get(id) as NodePlan;
    if (!spec.prepare || (plan.key !== undefined && state.cache?.has(plan.key))) continue;
    const prepared = spec.prepare(plan.params, contextFor(state, id));
    if (prepared) state.prepared.set(id, prepared);
  }
}

/** Disposes of everything prepared for the job (what a node used up, it has already let go of). */
export async function disposePrepared(state: JobState): Promise<void> {
  await Promise.allSettled([...state.prepared.values()].map((p) => p.dispose()));
  state.prepared.clear();
}

export function specOf(state: JobState, id: string): NodeSpec {
  const node = state.wf.nodes[id];
  return state.registry.get(node.type, node.typeVersion) as NodeSpec;
}

function contextFor(state: JobState, id: string) {
  const report = (facts: Record<string, unknown>) => {
    state.facts[id] = { ...state.facts[id], ...facts };
  };
  const { signal, outDir, emit, workflowJson } = state;
  return nodeContext(id, { signal, outDir, emit, report, workflowJson, prepared: state.prepared.get(id) });
}

/** Runs one planned node, or takes its outputs from the cache when nothing it depends on has changed. */
export async function runNode(state: JobState, id: string, spec: NodeSpec): Promise<void> {
  const { params, ingredients, key } = state.plans.get(id) as NodePlan;
  const hit = key === undefined ? undefined : state.cache?.get(key);
  if (key !== undefined && hit && (await takeCached(state, id, key, hit, ingredients))) return;
  const reason = hit ? 'its earlier files are gone' : whyRun(state, id, spec, ingredients);
  state.emit({ type: 'node-started', nodeId: id, nodeType: spec.type, reason });
  const started = performance.now();
  const ctx = contextFor(state, id);
  const tracksFiles = spec.purity === 'sink' && key !== undefined && state.cache !== undefined;
  const before = tracksFiles ? await snapshot(state.outDir) : undefined;
  let returned: Record<string, unknown>;
  try {
    returned = await spec.run(gatherInputs(state, id), params, ctx);
  } finally {
    // Recorded whatever happens, so a failed or cancelled node shows in the result with its time.
    state.nodes[id] = { ms: performance.now() - started, cached: false, reason };
  }
  const outputs = declaredOutputs(id, spec, returned);
  const files = before ? await sinkFiles(state, id, before) : undefined;
  const bytes = outputBytes(state.registry, spec, outputs);
  const stored =
    key !== undefined && state.cache
      ? state.cache.set(key, outputs, state.facts[id] ?? {}, bytes, files).outputs
      : outputs;
  state.cache?.remember(id, ingredients);
  state.values.set(id, stored);
  state.emit({ type: 'node-finished', nodeId: id, ms: state.nodes[id].ms, cached: false });
}

/**
 * What a sink wrote: the `files` it reported (paths under outDir), else what appeared in the folder while
 * it ran — which, with sinks running side by side, also holds the others' files.
 */
async function sinkFiles(state: JobState, id: string, before: Map<string, string>): Promise<RunFiles> {
  const reported = state.facts[id]?.files;
  if (Array.isArray(reported) && reported.every((p) => typeof p === 'string')) {
    return { dir: state.outDir, paths: await filesUnder(state.outDir, reported) };
  }
  return writtenFiles(state.outDir, before, await snapshot(state.outDir));
}

/** Takes a cache hit; false when it is a sink's whose files are gone, so the sink must run again. */
async function takeCached(
  state: JobState,
  id: string,
  key: string,
  hit: CacheEntry,
  ingredients: KeyIngredients,
): Promise<boolean> {
  if (hit.files && !(await restoreFiles(hit.files, state.outDir))) return false;
  state.cache?.remember(id, ingredients);
  state.values.set(id, hit.files ? Object.freeze(relocate(hit.outputs, hit.files.dir, state.outDir)) : hit.outputs);
  if (Object.keys(hit.facts).length > 0) state.facts[id] = { ...hit.facts };
  state.nodes[id] = { ms: 0, cached: true, reason: 'cached' };
  state.emit({ type: 'node-cache-hit', nodeId: id, key });
  state.emit({ type: 'node-finished', nodeId: id, ms: 0, cached: true });
  return true;
}

/**
 * Sinks act outside and external nodes without a key read it unseen: both run every time, except sinks
 * whose whole effect is their run files (those are restored from the earlier run instead).
 */
function cacheable(spec: NodeSpec): boolean {
  if (spec.purity === 'sink') return spec.writesRunFiles === true;
  return !(spec.purity === 'external' && !spec.externalKey);
}

function whyRun(state: JobState, id: string, spec: NodeSpec, ingredients: KeyIngredients): string {
  if (spec.purity === 'sink' && !spec.writesRunFiles) return 'sinks always run';
  if (!cacheable(spec)) return 'external node without a key always runs';
  return state.cache ? state.cache.whyRun(id, ingredients) : 'no cache';
}

async function keyIngredients(
  state: JobState,
  id: string,
  spec: NodeSpec,
  params: Record<string, unknown>,
): Promise<KeyIngredients> {
  const seeded = spec.purity === 'seeded';
  const canonical = Object.entries(params)
    .filter(([name, value]) => value !== undefined && !(seeded && name === SEED_PARAM))
    .map(([name, value]) => [name, canonicalJson(value)]);
  const upstream = linksOf(state.wf, id).map(([input, link]) => [
    input,
    { node: link.node, key: `${state.keys.get(link.node)}/${link.output}` },
  ]);
  const seed = seeded ? params[SEED_PARAM] : undefined;
  const externalKey = spec.purity === 'external' ? await spec.externalKey?.(params) : undefined;
  return {
    type: spec.type,
    version: spec.version,
    params: Object.fromEntries(canonical),
    ...(typeof seed === 'number' ? { seed } : {}),
    upstream: Object.fromEntries(upstream),
    ...(externalKey === undefined ? {} : { externalKey }),
  };
}

/** The node's declared outputs from what its run returned; a missing one is the node's bug. */
function declaredOutputs(id: string, spec: NodeSpec, returned: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(spec.outputs)) {
    if (returned === null || typeof returned !== 'object' || !Object.hasOwn(returned, name)) {
      throw new MissingOutputError(id, name);
    }
    out[name] = returned[name];
  }
  return out;
}

/** Bytes of the outputs by their port kinds' sizeOf, estimated where a kind has none. */
function outputBytes(registry: NodeRegistry, spec: NodeSpec, outputs: Record<string, unknown>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(outputs)) {
    const sizeOf = registry.kinds.get(spec.outputs[name].type.kind)?.sizeOf;
    bytes += sizeOf ? sizeOf(value) : estimateBytes(value);
  }
  return bytes;
}
