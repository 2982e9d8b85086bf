import type { EngineEvent } from '../graph-engine/events.ts';
import type { JobOutcome } from '../graph-engine/run-job.ts';

/** How `layerflow run` shows a run: engine events as they come, notes, and the outcome. */
export interface RunView {
  event(event: EngineEvent): void;
  /** A note for the person at the terminal (e.g. "cancelling…"). */
  say(message: string): void;
  done(outcome: JobOutcome): void;
}

/** Events as JSON lines on stdout, for programs; notes and the outcome go to stderr. */
export function jsonLinesView(): RunView {
  return {
    event: (event) => process.stdout.write(`${JSON.stringify(event)}\n`),
    say: (message) => process.stderr.write(`${message}\n`),
    done: (outcome) => process.stderr.write(`${outcomeLine(outcome)}\n`),
  };
}

/** One line: status, time, where the outputs and the manifest are, and the error if any. */
export function outcomeLine({ result, manifest, manifestPath }: JobOutcome): string {
  const seconds = (manifest.ms / 1000).toFixed(1);
  const error = manifest.error
    ? ` — ${manifest.error.nodeId ? `node ${manifest.error.nodeId}: ` : ''}${manifest.error.message}`
    : '';
  return `${result.status} in ${seconds}s${error}\nmanifest: ${manifestPath}`;
}
