import type { OutputFile } from '../../api/schemas.ts';

/** One layer of a job's output: a video file or a numbered image sequence. */
export interface Track {
  name: string;
  kind: 'video' | 'frames';
  /** Frame image URLs in order (frames), or the one video URL. */
  urls: string[];
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
  const frames = new Map<string, { n: number; url: string }[]>();
  for (const f of files) {
    if (VIDEO.test(f.path)) {
      const name = f.path.replace(VIDEO, '');
      tracks.set(name, { name, kind: 'video', urls: [f.url] });
      continue;
    }
    const m = FRAME.exec(f.path);
    if (m) {
      // A numbered image in a folder belongs to the folder's layer ("fg/frame_0001.png" → "fg").
      const slash = f.path.lastIndexOf('/');
      const name = slash > 0 ? f.path.slice(0, slash) : m[1] || 'frames';
      frames.set(name, [...(frames.get(name) ?? []), { n: Number(m[2]), url: f.url }]);
    } else if (f.path.toLowerCase().endsWith('.png') && rank(f.path.slice(0, -4)) < ORDER.length) {
      // A lone PNG is a layer's still only when named like a layer; a contact sheet is a plain file.
      tracks.set(f.path.slice(0, -4), { name: f.path.slice(0, -4), kind: 'frames', urls: [f.url] });
    }
  }
  for (const [name, list] of frames) {
    if (tracks.has(name)) continue; // a video of the same layer wins over its frames
    tracks.set(name, { name, kind: 'frames', urls: list.sort((a, b) => a.n - b.n).map((f) => f.url) });
  }
  return [...tracks.values()].sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
}

/** Whether a track holds transparency worth showing on a checkerboard (foreground, RGBA). */
export function isForeground(t: Track): boolean {
  const r = rank(t.name);
  return r === 0 || r === 1;
}

/** The job's files that are no layer track (a contact sheet, text, the manifest), for plain links. */
export function otherFiles(files: OutputFile[], tracks: Track[]): OutputFile[] {
  const inTracks = new Set(tracks.flatMap((t) => t.urls));
  return files.filter((f) => !inTracks.has(f.url));
}
