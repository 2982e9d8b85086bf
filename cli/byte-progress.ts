/** Progress of a long byte-bound job (import, verify): a bar with bytes, rate and ETA on a terminal, JSON lines elsewhere. */
export interface ByteProgress {
  update(done: number, total: number, what: string): void;
  /** A line above the bar. */
  say(message: string): void;
  done(message: string): void;
}

const BAR = 28;
const FRAME_MS = 200;

const gib = (n: number) => `${(n / 2 ** 30).toFixed(n < 2 ** 30 ? 2 : 1)} GiB`;

function eta(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** A bar for `stream` when it is a terminal and `json` is off, else one JSON object per update (throttled). */
export function byteProgress(stream: NodeJS.WriteStream, json: boolean, now = () => Date.now()): ByteProgress {
  const start = now();
  const tty = stream.isTTY && !json;
  let last = Number.NEGATIVE_INFINITY;
  let latest: { done: number; total: number; what: string } | undefined;
  let shown = latest;

  const show = () => {
    if (!latest || latest === shown) return;
    shown = latest;
    const { done, total, what } = latest;
    const seconds = (now() - start) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    const left = rate > 0 ? (total - done) / rate : Number.POSITIVE_INFINITY;
    if (!tty) {
      stream.write(`${JSON.stringify({ event: 'progress', done, total, bytesPerSecond: Math.round(rate), what })}\n`);
      return;
    }
    const f = total > 0 ? Math.min(1, done / total) : 1;
    const bar = '█'.repeat(Math.round(f * BAR)).padEnd(BAR, '░');
    const line = `${bar} ${gib(done)} / ${gib(total)}  ${(rate / 2 ** 20).toFixed(0)} MiB/s  ETA ${eta(left)}  ${what}`;
    stream.write(`\r\x1b[K${line.slice(0, (stream.columns || 120) - 1)}`);
  };

  return {
    update(done, total, what) {
      latest = { done, total, what };
      const t = now();
      if (t - last < FRAME_MS) return;
      last = t;
      show();
    },
    say(message) {
      if (tty) stream.write('\r\x1b[K');
      stream.write(tty ? `${message}\n` : `${JSON.stringify({ event: 'info', message })}\n`);
      shown = undefined;
    },
    done(message) {
      show(); // the last state, which throttling may have held back
      if (tty) stream.write('\r\x1b[K');
      stream.write(tty ? `${message}\n` : `${JSON.stringify({ event: 'done', message })}\n`);
    },
  };
}
