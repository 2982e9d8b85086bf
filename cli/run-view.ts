import { nothingSavedText, savedNothing } from '../api/run-outcome.ts';
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

/**
 * Status and time, what is wrong if anything (the error; a finished run that saved no file), the
 * nodes' warnings on the workflow, and where the manifest is.
 */
export function outcomeLine({ result, manifest, manifestPath }: JobOutcome): string {
  const seconds = (manifest.ms / 1000).toFixed(1);
  const error = manifest.error
    ? ` — ${manifest.error.nodeId ? `node ${manifest.error.nodeId}: ` : ''}${manifest.error.message}`
    : '';
  const nothing = savedNothing(result.status, manifest.files.length)
    ? ` — but ${nothingSavedText(', or --target one')}`
    : '';
  const warnings = (manifest.notes ?? [])
    .filter((n) => n.level === 'warning')
    .map((n) => `warning: node ${n.nodeId}: ${n.message}\n`)
    .join('');
  return `${result.status} in ${seconds}s${error}${nothing}\n${warnings}manifest: ${manifestPath}`;
}
