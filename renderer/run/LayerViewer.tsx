import { useEffect, useRef, useState } from 'react';
import type { Note } from '../../api/schemas.ts';
import { api, fileUrl } from '../api-client.ts';
import { toast, useStudio } from '../state/store.ts';
import { useJobOutputs } from './job-outputs.ts';
import { layerTracks, otherFiles, type ShownTrack, showTracks } from './layer-tracks.ts';

const FPS = 8;

function TrackView({
  track,
  frame,
  backdrop,
  onDuration,
}: {
  track: ShownTrack;
  frame: number;
  backdrop: string;
  onDuration: (name: string, seconds: number) => void;
}) {
  const video = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    if (video.current) video.current.currentTime = frame / FPS;
  }, [frame]);
  // Only a file with alpha shows what is behind it; an opaque one gets plain black.
  const style = track.alpha ? (backdrop === 'checker' ? undefined : { background: backdrop }) : { background: '#000' };
  return (
    <figure
      className={`track${track.alpha && backdrop === 'checker' ? ' checker' : ''}`}
      data-track={track.name}
      data-alpha={track.alpha}
    >
      <div className="track-media" style={style}>
        {track.kind === 'video' ? (
          <video
            ref={video}
            src={fileUrl(track.urls[0])}
            muted
            preload="auto"
            onLoadedMetadata={(e) => onDuration(track.name, e.currentTarget.duration)}
          />
        ) : (
          <img src={fileUrl(track.urls[Math.min(frame, track.urls.length - 1)])} alt={track.label} />
        )}
      </div>
      <figcaption title={track.name}>{track.label}</figcaption>
    </figure>
  );
}

/** Shows the job's folder in the file manager; where there is none (a headless server), says where it is. */
async function openOutputFolder(jobId: string): Promise<void> {
  try {
    const r = await api.outputs.openFolder.mutate({ jobId });
    toast(r.opened ? `Opened ${r.path}` : `Outputs are in ${r.path} (${r.reason ?? 'no file manager'})`, 'info');
  } catch (err) {
    toast(`Could not open the output folder: ${(err as Error).message}`);
  }
}

/** All layers of a job's output side by side, played in lockstep with one scrubber, and its manifest. */
export function LayerViewer() {
  const jobId = useStudio((s) => s.shownJob);
  const status = useStudio((s) => s.jobs.find((j) => j.id === s.shownJob)?.status);
  const { files, manifest } = useJobOutputs(jobId, status);
  const [frame, setFrame] = useState(0);
  const [playing, setPlaying] = useState(false);
  const [backdrop, setBackdrop] = useState('checker');
  const [durations, setDurations] = useState<Record<string, number>>({});
  const onDuration = (name: string, seconds: number) =>
    Number.isFinite(seconds) && setDurations((d) => (d[name] === seconds ? d : { ...d, [name]: seconds }));
  useEffect(() => {
    void jobId;
    setDurations({});
    setFrame(0);
  }, [jobId]);
  const tracks = showTracks(layerTracks(files), manifest);
  const warnings = ((manifest?.notes ?? []) as Note[]).filter((n) => n.level === 'warning');
  const others = otherFiles(files, tracks);
  // A video's frame count is known once its metadata loads; until then it counts as one frame.
  const frames = Math.max(
    1,
    ...tracks.map((t) => (t.kind === 'frames' ? t.urls.length : Math.round((durations[t.name] ?? 0) * FPS))),
  );
  useEffect(() => {
    if (!playing) return;
    const timer = setInterval(() => setFrame((f) => (f + 1) % frames), 1000 / FPS);
    return () => clearInterval(timer);
  }, [playing, frames]);
  if (!jobId) return <div className="empty">Choose a run in History to see its layers.</div>;
  return (
    <div className="layer-viewer">
      {warnings.length > 0 && (
        <ul className="result-warnings" role="alert">
          {warnings.map((n) => (
            <li key={`${n.nodeId}:${n.message}`}>
              <strong>{n.nodeId}</strong>: {n.message}
            </li>
          ))}
        </ul>
      )}
      {tracks.length === 0 ? (
        <div className="empty">No layer outputs{status === 'finished' ? '' : ' yet'}.</div>
      ) : (
        <>
          <div className="tracks">
            {tracks.map((t) => (
              <TrackView key={t.name} track={t} frame={frame} backdrop={backdrop} onDuration={onDuration} />
            ))}
          </div>
          <div className="scrubber">
            <button type="button" onClick={() => setPlaying(!playing)}>
              {playing ? '❚❚' : '▶'}
            </button>
            <input
              type="range"
              min={0}
              max={frames - 1}
              value={frame}
              aria-label="frame"
              onChange={(e) => setFrame(Number(e.target.value))}
            />
            <span className="frame-no">
              {frame + 1}/{frames}
            </span>
            <select
              className="backdrop"
              value={backdrop}
              onChange={(e) => setBackdrop(e.target.value)}
              aria-label="backdrop"
            >
              <option value="checker">checkerboard</option>
              <option value="#000000">black</option>
              <option value="#ffffff">white</option>
              <option value="#00b140">green</option>
            </select>
          </div>
        </>
      )}
      <div className="output-folder">
        <button type="button" onClick={() => void openOutputFolder(jobId)}>
          Open output folder
        </button>
      </div>
      {others.length > 0 && (
        <ul className="output-files">
          {others.map((f) => (
            <li key={f.path}>
              <a href={fileUrl(f.url)} target="_blank" rel="noreferrer">
                {f.path}
              </a>
              <em>{f.size < 1024 ? `${f.size} B` : `${(f.size / 1024).toFixed(1)} KiB`}</em>
            </li>
          ))}
        </ul>
      )}
      {manifest && (
        <details className="manifest" open>
          <summary>Manifest</summary>
          <dl>
            {(['title', 'status', 'ms'] as const).map((k) => (
              <div key={k}>
                <dt>{k}</dt>
                <dd>{k === 'ms' ? `${(Number(manifest.ms) / 1000).toFixed(2)}s` : String(manifest[k])}</dd>
              </div>
            ))}
            <div>
              <dt>seeds</dt>
              <dd>{JSON.stringify(manifest.seeds)}</dd>
            </div>
          </dl>
          <pre>{JSON.stringify(manifest, null, 2)}</pre>
        </details>
      )}
    </div>
  );
}
