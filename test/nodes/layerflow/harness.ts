import type { z } from 'zod';
import type { NodeSpec, RunContext } from '../../../graph-engine/spec.ts';
import { loadPack } from '../../../nodes/layerflow/load-pack.ts';
import type { ModelHandle, PackHandle } from '../../../nodes/layerflow/values.ts';

/** What a node reported through its context during one run. */
export interface Recorded {
  progress: { fraction: number; message?: string }[];
  previews: { label: string; dataUrl: string }[][];
  facts: Record<string, unknown>;
  logs: string[];
}

/** A run context that records everything, with an optional abort signal. */
export function recordingContext(
  signal = new AbortController().signal,
  outDir = '/nonexistent',
): RunContext & {
  recorded: Recorded;
} {
  const recorded: Recorded = { progress: [], previews: [], facts: {}, logs: [] };
  const log = (m: string) => recorded.logs.push(m);
  return {
    nodeId: 'test',
    signal,
    outDir,
    progress: (fraction, message) => recorded.progress.push({ fraction, message }),
    preview: (p) => recorded.previews.push(typeof p === 'function' ? p() : p),
    log: { info: log, warn: log, error: log },
    report: (facts) => Object.assign(recorded.facts, facts),
    workflowJson: '{"schemaVersion":2,"nodes":{}}',
    recorded,
  };
}

/** Runs one node's spec with params parsed (defaults filled) as the engine does. */
export async function runNode<P extends z.ZodObject>(
  spec: NodeSpec<P>,
  inputs: Record<string, unknown>,
  params: z.input<P> = {} as z.input<P>,
  ctx: RunContext = recordingContext(),
): Promise<Record<string, unknown>> {
  return spec.run(inputs, spec.params.parse(params) as z.infer<P>, ctx);
}

export interface Handles {
  model: ModelHandle;
  textEncoder: PackHandle;
  vae: PackHandle;
}

const opened = new Map<string, Promise<Handles>>();

/** The handles Load Model Pack gives for a pack name or folder (opened once per process). */
export function handles(pack: string): Promise<Handles> {
  let h = opened.get(pack);
  if (!h) {
    h = runNode(loadPack, {}, { pack }) as unknown as Promise<Handles>;
    opened.set(pack, h);
  }
  return h;
}
