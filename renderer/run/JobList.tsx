import { useEffect } from 'react';
import { outcomeLabel, savedNothing } from '../../api/run-outcome.ts';
import type { JobSummary } from '../../api/schemas.ts';
import { api } from '../api-client.ts';
import { setState, toast, useStudio } from '../state/store.ts';
import { openWorkflowJson } from '../WorkflowFiles.tsx';
import { cancelJob, refreshJobs, showJob } from './runs.ts';

const ACTIVE = new Set(['queued', 'running']);

/** "14:03:12" today, "24 Nov, 14:03" on other days. */
export function when(ms?: number, now = new Date()): string {
  if (!ms) return '';
  const d = new Date(ms);
  return d.toDateString() === now.toDateString()
    ? d.toLocaleTimeString()
    : d.toLocaleString(undefined, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
}

function took(j: JobSummary): string {
  return j.startedAt && j.finishedAt ? `${((j.finishedAt - j.startedAt) / 1000).toFixed(1)}s` : '';
}

/** Opens the workflow a job ran (seeds as drawn) in a new tab. */
async function openJobWorkflow(j: JobSummary): Promise<void> {
  try {
    const detail = await api.jobs.get.query({ jobId: j.id });
    await openWorkflowJson(detail.workflow, j.title || 'run');
  } catch (err) {
    toast(`Could not open the workflow of "${j.title}": ${(err as Error).message}`);
  }
}

/** Queues the job's workflow again, same title and seeds, and shows the new run. */
async function runAgain(j: JobSummary): Promise<void> {
  try {
    const detail = await api.jobs.get.query({ jobId: j.id });
    const { jobId } = await api.jobs.submit.mutate({
      workflow: detail.workflow as Parameters<typeof api.jobs.submit.mutate>[0]['workflow'],
      targets: detail.targets,
      title: j.title,
    });
    showJob(jobId);
    await refreshJobs();
  } catch (err) {
    toast(`Could not run "${j.title}" again: ${(err as Error).message}`);
  }
}

/** The persisted queue: `active` lists queued and running jobs, otherwise the finished history. */
export function JobList({ active }: { active: boolean }) {
  // A farm job settles (files counted, manifest placed) just after its last event: read the list afresh.
  useEffect(() => void refreshJobs(), []);
  const jobs = useStudio((s) => s.jobs);
  const shown = useStudio((s) => s.shownJob);
  const list = jobs
    .filter((j) => ACTIVE.has(j.status) === active)
    .sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0));
  if (list.length === 0) return <div className="empty">{active ? 'Nothing queued' : 'No finished runs yet'}</div>;
  return (
    <ul className="job-list">
      {list.map((j) => {
        const empty = savedNothing(j.status, j.savedFiles);
        return (
          <li
            key={j.id}
            className={j.id === shown ? 'shown' : ''}
            data-job-id={j.id}
            data-status={j.status}
            data-saved={empty ? 'nothing' : undefined}
          >
            <button type="button" className="job-open" onClick={() => setState((s) => ({ ...s, shownJob: j.id }))}>
              <span className="job-title">{j.title || j.id}</span>
              <span className={`status status-${empty ? 'empty' : j.status}`}>
                {outcomeLabel(j.status, j.savedFiles)}
              </span>
              <em>
                {when(j.createdAt)} {took(j)}
                {j.runner && ` · ${j.runner.worker} (${j.runner.device ?? '?'})`}
              </em>
            </button>
            <div className="job-actions">
              {active ? (
                <button type="button" className="danger small" onClick={() => void cancelJob(j.id)}>
                  Cancel
                </button>
              ) : (
                <>
                  <button type="button" className="small" onClick={() => void openJobWorkflow(j)}>
                    Open workflow
                  </button>
                  <button type="button" className="small" onClick={() => void runAgain(j)}>
                    Run again
                  </button>
                </>
              )}
            </div>
            {j.error && <div className="job-error">{j.error.message}</div>}
          </li>
        );
      })}
    </ul>
  );
}
