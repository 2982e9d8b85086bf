import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

export interface MemoryFacts {
  rssBytes: number;
  heapUsedBytes: number;
  /** Whole-device GPU memory, when the device is an NVIDIA GPU that nvidia-smi can read. */
  gpu?: { usedBytes: number; totalBytes: number };
  /** Why `gpu` is absent although a GPU provider is in use. */
  gpuError?: string;
}

const run = promisify(execFile);
const MIB = 1024 * 1024;

/**
 * Memory facts for job events. ONNX Runtime's Node API does not report device memory, so on CUDA and
 * TensorRT the GPU numbers come from nvidia-smi (the whole device, not just this process).
 */
export async function memoryFacts(provider: string): Promise<MemoryFacts> {
  const { rss, heapUsed } = process.memoryUsage();
  const facts: MemoryFacts = { rssBytes: rss, heapUsedBytes: heapUsed };
  if (provider !== 'cuda' && provider !== 'tensorrt') return facts;
  try {
    const { stdout } = await run(
      'nvidia-smi',
      ['--query-gpu=memory.used,memory.total', '--format=csv,noheader,nounits'],
      {
        timeout: 3000,
      },
    );
    const [used, total] = stdout
      .split('\n')[0]
      .split(',')
      .map((s) => Number(s.trim()) * MIB);
    if (!Number.isFinite(used) || !Number.isFinite(total)) throw new Error(`unexpected output: ${stdout.trim()}`);
    facts.gpu = { usedBytes: used, totalBytes: total };
  } catch (err) {
    facts.gpuError = `nvidia-smi: ${(err as Error).message.split('\n')[0]}`;
  }
  return facts;
}
