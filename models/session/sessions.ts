/**
 * ONNX Runtime sessions: one per (model file, provider request), created on the best execution
 * provider that works here, with a recorded reason when it had to fall back.
 *
 * Getting CUDA: onnxruntime-node ships CPU and WebGPU; its CUDA and TensorRT add-ons are downloaded by
 * its install script, which never runs here: this project's `.npmrc` sets `ignore-scripts=true` so the
 * install works offline under npm 10 and 11 alike. On Linux x64 with an NVIDIA driver and CUDA 12 +
 * cuDNN 9 installed, fetch them (from NuGet) by running that script yourself:
 *   ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js
 * Choose providers by hand with `LAYERFLOW_PROVIDERS=cuda,cpu` (or `webgpu,cpu`); the last one that
 * works is used.
 */
import { realpathSync } from 'node:fs';
import { freemem, totalmem } from 'node:os';
import ort from 'onnxruntime-node';
import { float32CopyOf } from './float32-copy.ts';
import { chooseProviders, detectFacts, type ProviderPlan, requestedFromEnv } from './providers.ts';

export interface SessionOptions {
  /** Execution providers to try in order (cpu is always the last resort); default: chosen for this machine. */
  providers?: string[];
  /**
   * Keep ONNX Runtime's CPU memory arena (default off: it raised peak RSS for the small models). Worth it
   * for a graph run many times in a row with large activations, the DiT: without it each forward maps its
   * activation block afresh and page-faults it in (the mid DiT: 1.5× slower under load, and a higher peak
   * RSS, 678 → 579 MiB).
   */
  arena?: boolean;
}

/** A live session with what it runs on and its accumulated ORT run time. */
export interface ManagedSession {
  path: string;
  /** The file ORT loaded: `path`, or on CPU the float32 copy of a float16 `path` (float32-copy.ts). */
  loaded: string;
  provider: string;
  ort: ort.InferenceSession;
  stats: { calls: number; ms: number };
  /** Callers inside useSession now: a session with none is idle and may be let go (SessionPolicy). */
  users: number;
  /** Released (as idle, or by `release`): a caller that still has it asks getSession again. */
  released: boolean;
}

/**
 * When idle sessions are released, checked each time another session is about to be created:
 * `release-idle` always (one-shot runs such as `layerflow run`: a session the rest of the run does not use
 * is memory held for nothing; the DiT's weights would otherwise sit beside the VAE decode's activations);
 * `keep` (the default, for the editor, the server and workers) only while memory is tight, less than a
 * quarter of the machine's available, so a re-run that needs the sampler again does not load its weights again.
 */
export type SessionPolicy = 'keep' | 'release-idle';
let policy: SessionPolicy = 'keep';

export function setSessionPolicy(p: SessionPolicy): void {
  policy = p;
}

export interface DeviceReport {
  /** The provider the latest session runs on. */
  provider: string;
  reason: string;
  /** Providers tried before it, and why each failed. */
  fallbacks: { provider: string; error: string }[];
}

const sessions = new Map<string, Promise<ManagedSession>>();
/** The sessions of `sessions` whose creation has finished. */
const created = new Map<string, ManagedSession>();
let lastDevice: DeviceReport | undefined;
let log: (message: string) => void = (m) => console.warn(m);

/** Where fallback notices go (default: console.warn); the engine routes them to job events. */
export function setSessionLogger(logger: (message: string) => void): void {
  log = logger;
}

/** The providers this process would try, in order, with the ones left out. */
export function providerPlan(requested = requestedFromEnv()): ProviderPlan {
  return chooseProviders(detectFacts(ort.listSupportedBackends()), requested);
}

/** A cached session for a model file; concurrent callers share one creation. */
export function getSession(path: string, options: SessionOptions = {}): Promise<ManagedSession> {
  const file = realpathSync(path);
  const requested = options.providers ?? requestedFromEnv();
  const arena = options.arena ?? false;
  const key = `${file}\u0000${requested?.join(',') ?? 'auto'}\u0000${arena ? 'arena' : ''}`;
  let entry = sessions.get(key);
  if (!entry) {
    entry = releaseIdle().then(() => createSession(file, providerPlan(requested), arena));
    sessions.set(key, entry);
    entry.then(
      (s) => (sessions.get(key) === entry ? created.set(key, s) : undefined),
      () => sessions.delete(key), // a failed creation is not cached
    );
  }
  return entry;
}

async function createSession(file: string, plan: ProviderPlan, arena: boolean): Promise<ManagedSession> {
  const fallbacks: DeviceReport['fallbacks'] = [];
  for (const provider of plan.order) {
    try {
      const loaded = provider === 'cpu' ? await cpuModel(file) : file;
      const session = await ort.InferenceSession.create(loaded, {
        executionProviders: [provider],
        enableCpuMemArena: arena,
      });
      lastDevice = { provider, reason: reasonFor(provider, plan, fallbacks), fallbacks };
      return { path: file, loaded, provider, ort: session, stats: { calls: 0, ms: 0 }, users: 0, released: false };
    } catch (err) {
      const error = (err as Error).message.split('\n')[0];
      fallbacks.push({ provider, error });
      if (provider !== 'cpu') log(`${file}: ${provider} failed (${error}); trying the next provider`);
      if (provider === 'cpu') throw new Error(`${file}: cannot create an ONNX Runtime session: ${error}`);
    }
  }
  throw new Error(`${file}: no execution provider to try`);
}

/**
 * `fn` with the session for `path`, which is not released as idle while `fn` runs (see SessionPolicy):
 * how nodes hold a session across their runs of it.
 */
export async function useSession<T>(
  path: string,
  fn: (session: ManagedSession) => Promise<T>,
  options: SessionOptions = {},
): Promise<T> {
  let session = await getSession(path, options);
  while (session.released) session = await getSession(path, options);
  session.users++;
  try {
    return await fn(session);
  } finally {
    session.users--;
  }
}

/** Whether less than a quarter of the machine's memory (or of the process's cgroup limit) is available. */
function memoryTight(): boolean {
  const limit = process.constrainedMemory?.() || Number.POSITIVE_INFINITY;
  return freemem() < Math.min(totalmem(), limit) / 4;
}

/** Releases the created sessions nobody is using, as the policy says, before another is created. */
async function releaseIdle(): Promise<void> {
  if (policy === 'keep' && !memoryTight()) return;
  const idle = [...created].filter(([, s]) => s.users === 0);
  for (const [key] of idle) {
    sessions.delete(key);
    created.delete(key);
  }
  for (const [, s] of idle) {
    s.released = true;
    await s.ort.release();
  }
}

/** The model a CPU session loads: the float32 copy of a float16 graph (made on first use), else the file. */
async function cpuModel(file: string): Promise<string> {
  const t0 = performance.now();
  const copy = await float32CopyOf(file);
  if (!copy.copy) return file;
  if (copy.converted)
    log(
      `${file}: float16 weights converted to float32 for the CPU in ${((performance.now() - t0) / 1000).toFixed(1)} s (kept in ${copy.path})`,
    );
  return copy.path;
}

function reasonFor(provider: string, plan: ProviderPlan, fallbacks: DeviceReport['fallbacks']): string {
  const notes = [
    ...plan.skipped.map((s) => `${s.provider} skipped: ${s.reason}`),
    ...fallbacks.map((f) => `${f.provider} failed: ${f.error}`),
  ];
  return notes.length ? `${provider}; ${notes.join('; ')}` : `${provider}: first choice`;
}

/** What sessions run on: the latest session's provider, or the plan's first choice before any exists. */
export function device(): DeviceReport {
  if (lastDevice) return lastDevice;
  const plan = providerPlan();
  return { provider: plan.order[0], reason: reasonFor(plan.order[0], plan, []), fallbacks: [] };
}

/** Releases the sessions of one model file (all option variants), or all sessions. */
export async function release(path?: string): Promise<void> {
  const file = path === undefined ? undefined : realpathSync(path);
  const keys = [...sessions.keys()].filter((k) => file === undefined || k.startsWith(`${file}\u0000`));
  const entries = keys.map((k) => sessions.get(k) as Promise<ManagedSession>);
  for (const k of keys) {
    sessions.delete(k);
    created.delete(k);
  }
  const settled = await Promise.allSettled(entries);
  for (const s of settled) {
    if (s.status !== 'fulfilled') continue;
    s.value.released = true;
    await s.value.ort.release();
  }
}

/** How many sessions are open (for tests and memory reports). */
export function openSessionCount(): number {
  return sessions.size;
}
