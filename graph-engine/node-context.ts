import type { EngineEvent } from './events.ts';
import type { Prepared, RunContext } from './spec.ts';

/** Sends an event of this job; the emitter adds jobId and time. */
export type Emit = ((event: DistributiveOmit<EngineEvent, 'jobId' | 'time'>) => void) & {
  /** false when nobody receives the job's events (previews are then not rendered). */
  listening?: boolean;
};
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** The context one node run gets: the job's signal, progress with an ETA, previews, logs and facts. */
export function nodeContext(
  nodeId: string,
  opts: {
    signal: AbortSignal;
    outDir: string;
    emit: Emit;
    report: (facts: Record<string, unknown>) => void;
    workflowJson: string;
    prepared?: Prepared;
  },
): RunContext {
  const { emit } = opts;
  const started = performance.now();
  const log = (level: 'info' | 'warn' | 'error') => (message: string) =>
    emit({ type: 'log', level, message: String(message), nodeId });
  return {
    nodeId,
    signal: opts.signal,
    outDir: opts.outDir,
    progress(fraction, message) {
      const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
      const etaMs = f > 0 ? ((performance.now() - started) * (1 - f)) / f : undefined;
      emit({
        type: 'node-progress',
        nodeId,
        fraction: f,
        ...(message === undefined ? {} : { message }),
        ...(etaMs === undefined ? {} : { etaMs }),
      });
    },
    preview(previews) {
      if (emit.listening === false) return;
      emit({ type: 'node-preview', nodeId, previews: typeof previews === 'function' ? previews() : previews });
    },
    log: { info: log('info'), warn: log('warn'), error: log('error') },
    report: opts.report,
    workflowJson: opts.workflowJson,
    ...(opts.prepared ? { prepared: opts.prepared } : {}),
  };
}
