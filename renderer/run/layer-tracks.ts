import type { OutputFile } from '../../api/schemas.ts';
import type { RunManifest } from './job-outputs.ts';

/** One layer of a job's output: a video file or a numbered image sequence. */
export interface Track {
  name: string;
  kind: 'video' | 'frames';
  /** Frame image URLs in order (frames), or the one video URL. */
  urls: string[];
  /** The files' paths in the run folder, in the same order. */
  paths: string[];
}

/** A track as the viewer shows it: named after the node that saved it, on a checkerboard if it has alpha. */
export interface ShownTrack extends Track {
  label: string;
  /** Whether the saved file carries an alpha channel, as its save node reported (not guessed from its name). */
  alpha: boolean;
}

const ORDER = ['foreground', 'fg', 'alpha', 'background', 'bg', 'blend', 'blended', 'composite'];
const VIDEO = /\.(webm|mp4|gif)$/i;
const FRAME = /^(.*?)[_-]?(\d+)\.png$/i;

function rank(name: string): number {
  const base = name.toLowerCase().split('/').pop() ?? '';
  const i = ORDER.findIndex(
    (o) => base === o || base.startsWith(`${o}.`) || base.startsWith(`${o}_`) || base.endsWith(o),
  );
  return i < 0 ? ORDER.length : i;
}

/** Groups output files into layer tracks in layer order (fg, alpha, bg, blend, then the rest). */
export function layerTracks(files: OutputFile[]): Track[] {
  const tracks = new Map<string, Track>();
  const frames = new Map<string, { n: number; url: string; path: string }[]>();
  for (const f of files) {
    if (VIDEO.test(f.path)) {
      const name = f.path.replace(VIDEO, '');
      tracks.set(name, { name, kind: 'video', urls: [f.url], paths: [f.path] });
      continue;
    }
    const m = FRAME.exec(f.path);
    if (m) {
      // A numbered image in a folder belongs to the folder's layer ("fg/frame_0001.png" → "fg").
      const slash = f.path.lastIndexOf('/');
      const name = slash > 0 ? f.path.slice(0, slash) : m[1] || 'frames';
      frames.set(name, [...(frames.get(name) ?? []), { n: Number(m[2]), url: f.url, path: f.path }]);
    } else if (f.path.toLowerCase().endsWith('.png') && rank(f.path.slice(0, -4)) < ORDER.length) {
      // A lone PNG is a layer's still only when named like a layer; a contact sheet is a plain file.
      tracks.set(f.path.slice(0, -4), { name: f.path.slice(0, -4), kind: 'frames', urls: [f.url], paths: [f.path] });
    }
  }
  for (const [name, list] of frames) {
    if (tracks.has(name)) continue; // a video of the same layer wins over its frames
    const sorted = list.sort((a, b) => a.n - b.n);
    tracks.set(name, { name, kind: 'frames', urls: sorted.map((f) => f.url), paths: sorted.map((f) => f.path) });
  }
  return [...tracks.values()].sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
}

/** What a save node reported about its files; facts are free-form, so anything else reads as nothing. */
interface SavedFacts {
  files: string[];
  withAlpha?: string[];
  alpha?: boolean;
}

const strings = (v: unknown): string[] | undefined =>
  Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : undefined;

function savedFacts(facts: unknown): SavedFacts | undefined {
  const f = facts as Record<string, unknown> | undefined;
  const files = strings(f?.files);
  if (!files) return undefined;
  return { files, withAlpha: strings(f?.withAlpha), alpha: f?.alpha === true };
}

/** The node that wrote a track (its facts list one of the track's files), with what it reported. */
function writerOf(t: Track, manifest: RunManifest | undefined): [string, SavedFacts] | undefined {
  for (const [id, facts] of Object.entries(manifest?.facts ?? {})) {
    const saved = savedFacts(facts);
    if (saved?.files.some((f) => t.paths.includes(f))) return [id, saved];
  }
  return undefined;
}

/**
 * Labels and alpha for the tracks from the run's manifest: a track is named by its save node's title
 * when the user gave one ("Hero · foreground" where the node saved several), and sits on a checkerboard
 * only when the node reported that file as having alpha.
 */
export function showTracks(tracks: Track[], manifest: RunManifest | undefined): ShownTrack[] {
  const writers = tracks.map((t) => writerOf(t, manifest));
  return tracks.map((t, i) => {
    const writer = writers[i];
    const [id, facts] = writer ?? [];
    const title = id ? manifest?.workflow?.nodes?.[id]?.title : undefined;
    const siblings = writers.filter((w) => w?.[0] === id).length;
    const layer = t.name.split('/').pop() ?? t.name;
    const label = title ? (siblings > 1 ? `${title} · ${layer}` : title) : t.name;
    // A save node that reports per file (withAlpha) is exact; a bare `alpha` covers all it wrote.
    const alpha = facts?.withAlpha ? t.paths.some((p) => facts.withAlpha?.includes(p)) : facts?.alpha === true;
    return { ...t, label, alpha };
  });
}

/** The job's files that are no layer track (a contact sheet, text, the manifest), for plain links. */
export function otherFiles(files: OutputFile[], tracks: Track[]): OutputFile[] {
  const inTracks = new Set(tracks.flatMap((t) => t.urls));
  return files.filter((f) => !inTracks.has(f.url));
}
