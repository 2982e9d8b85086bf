import type { EngineEvent } from '../graph-engine/events.ts';
import { outcomeLine, type RunView } from './run-view.ts';

/** What the terminal shows for one node. */
interface NodeLine {
  id: string;
  type: string;
  state: 'running' | 'done' | 'cached' | 'failed';
  fraction: number;
  message?: string;
  etaMs?: number;
  ms?: number;
}

const BAR = 24;
/** Redraw at most this often, however fast nodes report progress. */
const FRAME_MS = 80;

/** A live per-node progress display for a terminal: a bar with step text and ETA for the running node. */
export function progressView(stream: NodeJS.WriteStream): RunView {
  const lines = new Map<string, NodeLine>();
  let drawn = 0;
  let lastDraw = 0;
  let pending: NodeJS.Timeout | undefined;

  const draw = () => {
    pending = undefined;
    lastDraw = Date.now();
    // Cut to the terminal's width: a wrapped line would throw off the cursor-up count.
    const text = [...lines.values()].map((l) => formatLine(l).slice(0, (stream.columns || 120) - 1));
    stream.write(`${drawn > 0 ? `\x1b[${drawn}F` : ''}\x1b[J${text.map((t) => `${t}\n`).join('')}`);
    drawn = text.length;
  };
  const schedule = () => {
    if (pending) return;
    const wait = FRAME_MS - (Date.now() - lastDraw);
    if (wait <= 0) draw();
    else pending = setTimeout(draw, wait).unref();
  };

  return {
    event(event) {
      if (applyEvent(lines, event)) schedule();
    },
    say(message) {
      if (pending) clearTimeout(pending);
      draw();
      stream.write(`${message}\n`);
      drawn = 0;
    },
    done(outcome) {
      if (pending) clearTimeout(pending);
      draw();
      stream.write(`${outcomeLine(outcome)}\n`);
    },
  };
}

/** Updates the node lines from one engine event; true when something visible changed. */
function applyEvent(lines: Map<string, NodeLine>, event: EngineEvent): boolean {
  if (!('nodeId' in event) || event.nodeId === undefined || event.type === 'log' || event.type === 'job-cancelled') {
    return false;
  }
  const line = lines.get(event.nodeId) ?? { id: event.nodeId, type: '', state: 'running', fraction: 0 };
  lines.set(event.nodeId, line);
  switch (event.type) {
    case 'node-progress':
      line.fraction = event.fraction;
      line.message = event.message ?? line.message;
      line.etaMs = event.etaMs;
      return true;
    case 'node-finished':
      line.state = event.cached ? 'cached' : 'done';
      line.ms = event.ms;
      return true;
    case 'node-failed':
    case 'job-failed':
      line.state = 'failed';
      line.message = event.message;
      return true;
    case 'node-started':
      line.type = event.nodeType;
      return true;
    default:
      return false;
  }
}

function formatLine(line: NodeLine): string {
  const head = `${ICON[line.state]} ${line.id.padEnd(12)} ${line.type.padEnd(24)}`;
  if (line.state === 'cached') return `${head} cached`;
  if (line.state === 'done') return `${head} ${seconds(line.ms ?? 0)}`;
  if (line.state === 'failed') return `${head} failed${line.message ? `: ${line.message}` : ''}`;
  const f = Math.min(1, Math.max(0, line.fraction));
  const filled = Math.round(f * BAR);
  const eta = line.etaMs === undefined ? '' : `  ETA ${seconds(line.etaMs)}`;
  const bar = `${'█'.repeat(filled)}${'░'.repeat(BAR - filled)}`;
  return `${head} ${bar} ${String(Math.round(f * 100)).padStart(3)}%${line.message ? `  ${line.message}` : ''}${eta}`;
}

const ICON: Record<NodeLine['state'], string> = { running: '▸', done: '✓', cached: '✓', failed: '✗' };

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms / 1000)}s`;
}
