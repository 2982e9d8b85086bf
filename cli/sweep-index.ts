import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { writeFileAtomic } from '../graph-engine/atomic-file.ts';
import { produceFileAtomic } from '../media/atomic.ts';
import { contactSheet, type SheetLayer } from '../media/contact-sheet.ts';
import { readVideo } from '../media/read-video.ts';

/** One run of a sweep as the index lists it. */
export interface SweepRun {
  index: number;
  label: string;
  settings: Record<string, unknown>;
  jobId: string;
  status: string;
  /** The run's folder (as this machine sees it). */
  folder: string;
  error?: string;
  /** The video the contact sheet shows for this run, relative to its folder. */
  shown?: string;
}

export const INDEX_FILE = 'index.json';
export const SHEET_FILE = 'contact-sheet.png';
const VIDEO = /\.(mp4|webm|mov|gif|mkv)$/i;

/** The video a run's row shows: its blended scene when it has one, else its first video by name. */
export async function shownVideo(folder: string): Promise<string | undefined> {
  const files = (await readdir(folder, { recursive: true }).catch(() => [] as string[])).filter((f) => VIDEO.test(f));
  files.sort();
  return files.find((f) => /(^|\/)blend\./.test(f)) ?? files[0];
}

/**
 * Writes `index.json` (every combination: its settings, job, status and folder) and `contact-sheet.png`
 * (one row per finished run with a video, labelled with its settings) into `dir`. Returns the sheet's
 * path, or undefined with the reason when no run had a video to show.
 */
export async function writeSweepIndex(
  dir: string,
  sweep: { source: string; axes: { key: string; values: unknown[] }[] },
  runs: SweepRun[],
): Promise<{ index: string; sheet?: string; noSheet?: string }> {
  await mkdir(dir, { recursive: true });
  const rows: SheetLayer[] = [];
  for (const run of runs) {
    if (run.status !== 'finished') continue;
    run.shown = await shownVideo(run.folder);
    if (run.shown)
      rows.push({ label: `#${run.index} ${run.label}`, frames: await readVideo(join(run.folder, run.shown)) });
  }
  const index = join(dir, INDEX_FILE);
  const listed = runs.map((r) => ({ ...r, folder: relativeOrAbsolute(dir, r.folder) }));
  await writeFileAtomic(
    index,
    `${JSON.stringify({ sweep, runs: listed, contactSheet: rows.length ? SHEET_FILE : null }, null, 2)}\n`,
  );
  if (rows.length === 0) return { index, noSheet: 'no finished run wrote a video' };
  const sheet = join(dir, SHEET_FILE);
  const png = contactSheet(rows, { columns: 8, cellHeight: 64 });
  await produceFileAtomic(sheet, (tmp) => writeFile(tmp, png));
  return { index, sheet };
}

function relativeOrAbsolute(from: string, to: string): string {
  const rel = relative(from, to);
  return rel.startsWith('..') ? to : rel;
}
