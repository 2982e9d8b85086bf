import type { Figure } from './figure.ts';
import { round } from './stats.ts';

const num = (v: number) => (Number.isInteger(v) ? String(v) : Number.isFinite(v) ? String(round(v)) : '—');

function verdict(f: Figure): string {
  if (!f.target) return 'report';
  if (f.caveat?.startsWith('not measured')) return 'NOT MEASURED';
  return f.met ? 'met' : 'MISSED';
}

function pad(rows: string[][]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => [...r[c]].length)));
  return rows.map((r) =>
    r
      .map((cell, c) => cell + ' '.repeat(widths[c] - [...cell].length))
      .join('  ')
      .trimEnd(),
  );
}

/** "0.4→1.2" and " (loaded)" when other work competed for the machine. */
function loadText(f: Figure): string {
  if (!f.load) return '—';
  return `${f.load.start}→${f.load.end}${f.load.loaded ? ' loaded' : ''}`;
}

/** The figures as a table (median, min–max, IQR, n, target, verdict, load), then each figure's details and notes. */
export function formatTable(figures: Figure[]): string {
  const head = ['#', 'figure', 'median', 'min–max', 'IQR', 'n', 'target', 'status', 'load avg'];
  const rows = figures.map((f, i) => [
    String(i + 1),
    f.title,
    num(f.value.median),
    `${num(f.value.min)}–${num(f.value.max)}`,
    `${num(f.value.q1)}–${num(f.value.q3)}`,
    String(f.value.n),
    f.target ? `≤ ${f.target.max}` : '—',
    verdict(f),
    loadText(f),
  ]);
  const lines = pad([head, ...rows]);
  lines.splice(1, 0, '-'.repeat(Math.max(...lines.map((l) => [...l].length))));
  const sections = figures.map((f, i) => {
    const details = Object.entries(f.details).map(([k, v]) => `${k}=${typeof v === 'number' ? num(v) : v}`);
    return [
      `${i + 1}. ${f.title} [${f.id}]: ${f.ratio}`,
      ...(f.caveat ? [`   ! ${f.caveat}`] : []),
      ...(f.load?.loaded
        ? [
            `   ! measured on a loaded machine: 1-minute load average ${f.load.start} at start, ${f.load.end} at end on ${f.load.cores} cores`,
          ]
        : []),
      ...(details.length ? [`   ${details.join('  ')}`] : []),
      ...f.notes.map((n) => `   - ${n}`),
    ].join('\n');
  });
  return `${lines.join('\n')}\n\n${sections.join('\n')}\n`;
}
