import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** What the chooser needs to know about this machine and the installed onnxruntime-node. */
export interface ProviderFacts {
  /** `listSupportedBackends()` of onnxruntime-node: names, and whether each ships in the npm package. */
  backends: { name: string; bundled: boolean }[];
  /** Providers whose add-on libraries are present beside the binding (cuda, tensorrt). */
  installed: string[];
  /** An NVIDIA driver is present. */
  nvidiaGpu: boolean;
  /** Some GPU adapter WebGPU could use (render node, Metal, D3D). */
  gpuAdapter: boolean;
}

export interface ProviderPlan {
  /** Providers to try in order; always ends with cpu. */
  order: string[];
  /** Providers left out and why. */
  skipped: { provider: string; reason: string }[];
}

/**
 * Order tried when nobody asks: GPU first; tensorrt only when asked (it builds engines for minutes). dml
 * (Windows) and coreml (macOS) ship only in those platforms' builds and are passed over elsewhere.
 */
const AUTO_ORDER = ['cuda', 'webgpu', 'dml', 'coreml'];

/**
 * Which execution providers to try, in order. An explicit request is honoured as given (unknown names
 * are dropped); otherwise cuda when its add-on is installed and an NVIDIA driver is there, then webgpu
 * when a GPU adapter exists (WebGPU without one fails at session creation), then cpu.
 */
export function chooseProviders(facts: ProviderFacts, requested?: string[]): ProviderPlan {
  const known = new Map(facts.backends.map((b) => [b.name, b]));
  const skipped: ProviderPlan['skipped'] = [];
  const order: string[] = [];
  for (const p of requested ?? AUTO_ORDER) {
    if (!requested && !known.has(p)) continue; // another platform's provider: nothing to report
    const why = known.has(p)
      ? requested
        ? undefined
        : autoSkipReason(p, facts)
      : 'not offered by this onnxruntime-node build';
    if (why) skipped.push({ provider: p, reason: why });
    else if (p !== 'cpu' && !order.includes(p)) order.push(p);
  }
  order.push('cpu');
  return { order, skipped };
}

function autoSkipReason(p: string, facts: ProviderFacts): string | undefined {
  const bundled = facts.backends.find((b) => b.name === p)?.bundled ?? false;
  if (!bundled && !facts.installed.includes(p))
    return `${p} add-on not installed (to add it: ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js)`;
  if ((p === 'cuda' || p === 'tensorrt') && !facts.nvidiaGpu) return 'no NVIDIA driver found';
  if ((p === 'webgpu' || p === 'dml') && !facts.gpuAdapter) return 'no GPU adapter found';
  return undefined;
}

/** Providers requested through the environment (`LAYERFLOW_PROVIDERS=webgpu,cpu`), if any. */
export function requestedFromEnv(env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  const list = env.LAYERFLOW_PROVIDERS?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return list?.length ? list : undefined;
}

const ADDON_LIBS: Record<string, string[]> = {
  cuda: ['libonnxruntime_providers_cuda.so', 'onnxruntime_providers_cuda.dll'],
  tensorrt: ['libonnxruntime_providers_tensorrt.so', 'onnxruntime_providers_tensorrt.dll'],
};

/** Facts about this machine: the binding's backend list, add-on libraries, GPU device nodes. */
export function detectFacts(backends: { name: string; bundled: boolean }[]): ProviderFacts {
  const binDir = bindingDir();
  const installed = Object.entries(ADDON_LIBS)
    .filter(([, libs]) => libs.some((l) => existsSync(join(binDir, l))))
    .map(([p]) => p);
  return { backends, installed, nvidiaGpu: hasNvidiaDriver(), gpuAdapter: hasGpuAdapter() };
}

function bindingDir(): string {
  const pkg = createRequire(import.meta.url).resolve('onnxruntime-node/package.json');
  return join(dirname(pkg), 'bin', 'napi-v6', process.platform, process.arch);
}

function hasNvidiaDriver(): boolean {
  if (process.platform === 'linux') return existsSync('/dev/nvidiactl') || existsSync('/dev/nvidia0');
  if (process.platform === 'win32')
    return existsSync(join(process.env.SystemRoot ?? 'C:\\Windows', 'System32', 'nvcuda.dll'));
  return false;
}

function hasGpuAdapter(): boolean {
  if (process.platform !== 'linux') return true; // Metal and D3D12 are always there to ask
  if (hasNvidiaDriver()) return true;
  try {
    return readdirSync('/dev/dri').some((f) => f.startsWith('renderD'));
  } catch {
    return false; // no /dev/dri: no render node, no adapter
  }
}
