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
import ort from 'onnxruntime-node';
import { chooseProviders, detectFacts, type ProviderPlan, requestedFromEnv } from './providers.ts';

export interface SessionOptions {
  /** Execution providers to try in order (cpu is always the last resort); default: chosen for this machine. */
  providers?: string[];
}

/** A live session with what it runs on and its accumulated ORT run time. */
export interface ManagedSession {
  path: string;
  provider: string;
  ort: ort.InferenceSession;
  stats: { calls: number; ms: number };
}

export interface DeviceReport {
  /** The provider the latest session runs on. */
  provider: string;
  reason: string;
  /** Providers tried before it, and why each failed. */
  fallbacks: { provider: string; error: string }[];
}

const sessions = new Map<string, Promise<ManagedSession>>();
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
  const key = `${file}\u0000${requested?.join(',') ?? 'auto'}`;
  let entry = sessions.get(key);
  if (!entry) {
    entry = createSession(file, providerPlan(requested));
    sessions.set(key, entry);
    entry.catch(() => sessions.delete(key)); // a failed creation is not cached
  }
  return entry;
}

async function createSession(file: string, plan: ProviderPlan): Promise<ManagedSession> {
  const fallbacks: DeviceReport['fallbacks'] = [];
  for (const provider of plan.order) {
    try {
      const session = await ort.InferenceSession.create(file, {
        executionProviders: [provider],
        enableCpuMemArena: false,
      });
      lastDevice = { provider, reason: reasonFor(provider, plan, fallbacks), fallbacks };
      return { path: file, provider, ort: session, stats: { calls: 0, ms: 0 } };
    } catch (err) {
      const error = (err as Error).message.split('\n')[0];
      fallbacks.push({ provider, error });
      if (provider !== 'cpu') log(`${file}: ${provider} failed (${error}); trying the next provider`);
      if (provider === 'cpu') throw new Error(`${file}: cannot create an ONNX Runtime session: ${error}`);
    }
  }
  throw new Error(`${file}: no execution provider to try`);
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
  for (const k of keys) sessions.delete(k);
  const settled = await Promise.allSettled(entries);
  for (const s of settled) if (s.status === 'fulfilled') await s.value.ort.release();
}

/** How many sessions are open (for tests and memory reports). */
export function openSessionCount(): number {
  return sessions.size;
}
