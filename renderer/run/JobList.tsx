import type { JobSummary } from '../../api/schemas.ts';
import { setState, useStudio } from '../state/store.ts';
import { cancelJob } from './runs.ts';

const ACTIVE = new Set(['queued', 'running']);

function when(ms?: number): string {
  return ms ? new Date(ms).toLocaleTimeString() : '';
}

function took(j: JobSummary): string {
  return j.startedAt && j.finishedAt ? `${((j.finishedAt - j.startedAt) / 1000).toFixed(1)}s` : '';
}

/** The persisted queue: `active` lists queued and running jobs, otherwise the finished history. */
export function JobList({ active }: { active: boolean }) {
  const jobs = useStudio((s) => s.jobs);
  const shown = useStudio((s) => s.shownJob);
  const list = jobs
    .filter((j) => ACTIVE.has(j.status) === active)
    .sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0));
  if (list.length === 0) return <div className="empty">{active ? 'Nothing queued' : 'No finished runs yet'}</div>;
  return (
    <ul className="job-list">
      {list.map((j) => (
        <li key={j.id} className={j.id === shown ? 'shown' : ''} data-job-id={j.id} data-status={j.status}>
          <button type="button" className="job-open" onClick={() => setState((s) => ({ ...s, shownJob: j.id }))}>
            <span className={`status status-${j.status}`}>{j.status}</span>
            <span className="job-title">{j.title || j.id}</span>
            <em>
              {when(j.createdAt)} {took(j)}
              {j.runner && ` · ${j.runner.worker} (${j.runner.device ?? '?'})`}
            </em>
          </button>
          {active && (
            <button type="button" className="danger small" onClick={() => void cancelJob(j.id)}>
              Cancel
            </button>
          )}
          {j.error && <div className="job-error">{j.error.message}</div>}
        </li>
      ))}
    </ul>
  );
}
