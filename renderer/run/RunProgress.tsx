import { nothingSavedText, outcomeLabel, savedNothing } from '../../api/run-outcome.ts';
import { useStudio } from '../state/store.ts';
import { useJobOutputs } from './job-outputs.ts';
import { isFinal } from './run-state.ts';
import { cancelJob } from './runs.ts';

/** The shown job: overall bar, each node's state with progress, ETA and timing, and step previews. */
export function RunProgress() {
  const run = useStudio((s) => (s.shownJob ? s.runs[s.shownJob] : undefined));
  const job = useStudio((s) => s.jobs.find((j) => j.id === s.shownJob));
  // The event stream is newer than the last job list fetched, so its final word wins.
  const status = run && isFinal(run.state) ? run.state : (job?.status ?? run?.state);
  // As the CLI judges it: a finished run whose manifest lists no file saved nothing.
  const { manifest } = useJobOutputs(status === 'finished' ? run?.jobId : undefined, status);
  const saved = manifest?.status === 'finished' ? manifest.files?.length : undefined;
  const empty = savedNothing(status ?? '', saved);
  if (!run) return <div className="empty">Run the graph (Ctrl+Enter) to see progress here.</div>;
  const live = status === 'queued' || status === 'running';
  return (
    <div className="run-progress" data-status={status} data-saved={empty ? 'nothing' : undefined}>
      <div className="run-head">
        <span className={`status status-${empty ? 'empty' : status}`}>{outcomeLabel(status ?? '', saved)}</span>
        <span className="job-title">{job?.title ?? run.jobId}</span>
        {live && (
          <button type="button" className="danger small" onClick={() => void cancelJob(run.jobId)}>
            Cancel run
          </button>
        )}
      </div>
      <div className="progress">
        <div style={{ width: `${Math.round((status === 'finished' ? 1 : run.fraction) * 100)}%` }} />
      </div>
      {(job?.error?.message ?? run.error) && <div className="job-error">{job?.error?.message ?? run.error}</div>}
      {empty && (
        <div className="job-warning" role="status">
          The run finished, but {nothingSavedText()}.
        </div>
      )}
      <table className="node-runs">
        <tbody>
          {Object.entries(run.nodes).map(([id, n]) => (
            <tr key={id} data-node-id={id} data-run-state={n.state}>
              <td>{id}</td>
              <td className={`status-${n.state}`}>{n.state}</td>
              <td>{n.state === 'running' ? `${Math.round(n.fraction * 100)}%` : ''}</td>
              <td>
                {n.state === 'running' && n.eta !== undefined ? `${n.eta.toFixed(1)}s left` : ''}
                {n.ms !== undefined && n.state !== 'running' ? `${(n.ms / 1000).toFixed(2)}s` : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {Object.entries(run.nodes)
        .filter(([, n]) => n.previews?.length)
        .map(([id, n]) => (
          <div key={id} className="step-previews">
            <h4>{id}</h4>
            <div className="previews">
              {n.previews?.map((p) => (
                <figure key={p.label}>
                  <img src={p.dataUrl} alt={p.label} />
                  <figcaption>{p.label}</figcaption>
                </figure>
              ))}
            </div>
          </div>
        ))}
    </div>
  );
}
