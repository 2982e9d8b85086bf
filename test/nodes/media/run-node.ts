import type { z } from 'zod';
import type { PortType } from '../../../graph-engine/ports.ts';
import type { NodeSpec, RunContext } from '../../../graph-engine/spec.ts';

/** What a node run told its context: progress, previews, logs and reported facts. */
export interface Recorded {
  progress: number[];
  previews: { label: string; dataUrl: string }[][];
  logs: { level: string; message: string }[];
  facts: Record<string, unknown>;
}

/** The workflow a fake run embeds in the files it writes. */
export const TEST_WORKFLOW_JSON = JSON.stringify({
  schemaVersion: 2,
  nodes: { p: { type: 'x.prompt', typeVersion: 1, params: { text: 'café ✓ "quoted"' }, inputs: {} } },
  meta: { title: 'test run' },
});

/** A context like the engine's (node-context.ts), recording everything the node sends. */
export function fakeContext(outDir: string, nodeId = 'node1', signal = new AbortController().signal) {
  const recorded: Recorded = { progress: [], previews: [], logs: [], facts: {} };
  const log = (level: string) => (message: string) => recorded.logs.push({ level, message });
  const ctx: RunContext = {
    nodeId,
    signal,
    outDir,
    progress: (fraction) => recorded.progress.push(fraction),
    preview: (previews) => recorded.previews.push(typeof previews === 'function' ? previews() : previews),
    log: { info: log('info'), warn: log('warn'), error: log('error') },
    report: (facts) => Object.assign(recorded.facts, facts),
    workflowJson: TEST_WORKFLOW_JSON,
  };
  return { ctx, recorded };
}

/** Runs a node spec as the engine does: params parsed with their defaults, then `run`. */
export async function runNode<P extends z.ZodObject>(
  spec: NodeSpec<P>,
  inputs: Record<string, unknown>,
  params: z.input<P>,
  outDir: string,
  nodeId = 'node1',
): Promise<{ outputs: Record<string, unknown>; recorded: Recorded }> {
  const { ctx, recorded } = fakeContext(outDir, nodeId);
  const outputs = await spec.run(inputs, spec.params.parse(params), ctx);
  return { outputs, recorded };
}

/** The spec's infer on port types and params (defaults filled). */
export function inferNode<P extends z.ZodObject>(
  spec: NodeSpec<P>,
  inputs: Record<string, PortType | undefined>,
  params: z.input<P>,
) {
  if (!spec.infer) throw new Error(`${spec.type} has no infer`);
  return spec.infer(inputs, spec.params.parse(params));
}

/** A Video port type with the given shape. */
export function video(frames: number, width: number, height: number, channels = 3): PortType {
  return { kind: 'Video', frames, width, height, channels, alpha: channels === 4 };
}
