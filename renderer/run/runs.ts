import type { StudioEvent } from '../../api/schemas.ts';
import { api } from '../api-client.ts';
import { activeTab, getState, setState, toast } from '../state/store.ts';
import { applyEvent, overall, type RunState, startRun } from './run-state.ts';
import { expectedTimes, recordTiming } from './timings.ts';

let listsAsked = 0;
let listShown = 0;

/** Fetches the persisted queue (queue and history panels read it). */
export async function refreshJobs(): Promise<void> {
  const asked = ++listsAsked;
  const jobs = await api.jobs.list.query();
  // Each job event asks again, and answers can cross: an older list must not replace a newer one.
  if (asked < listShown) return;
  listShown = asked;
  setState((s) => ({ ...s, jobs }));
}

/** Listens to every engine event for the life of the page and folds it into the run states. */
export function followEvents(): () => void {
  const sub = api.events.subscribe(undefined, {
    onData: (e: StudioEvent) => {
      if (e.type === 'node-finished' && !e.cached) recordTiming(getState().runs[e.jobId], e.nodeId, e.ms);
      setState((s) => ({
        ...s,
        runs: { ...s.runs, [e.jobId]: applyEvent(s.runs[e.jobId] ?? startRun(e.jobId), e, Date.now()) },
      }));
      if (e.type.startsWith('job-')) void refreshJobs();
    },
    onError: (err) => toast(`Lost the event stream: ${err.message}`),
  });
  return () => sub.unsubscribe();
}

/** Validates, then submits the active workflow (up to `targets` when given); problems stay painted on the nodes. */
export async function runWorkflow(targets?: string[]): Promise<void> {
  const tab = activeTab();
  if (targets?.length === 0) {
    // an empty "run selected" would run nothing and report it finished
    toast('Select the nodes to run up to first (click one; Ctrl+click adds more)');
    return;
  }
  // Unlocked seeds stay -1 in the document: the engine draws them at submission and records them.
  const doc = tab.history.present;
  const issues = await api.workflow.validate.query(doc);
  setState((s) => ({ ...s, analysis: { ...s.analysis, [tab.id]: { ...s.analysis[tab.id], issues } } }));
  if (issues.length > 0) {
    toast(`Fix ${issues.length} problem${issues.length > 1 ? 's' : ''} before running: ${issues[0].message}`);
    return;
  }
  const { jobId } = await api.jobs.submit.mutate({ workflow: doc, targets, title: tab.name });
  showJob(jobId, tab.id, doc.nodes);
  await refreshJobs();
}

/** Shows a job's progress and outputs; with `tabId`, its node states are painted on that tab's graph. */
export function showJob(jobId: string, tabId?: string, ran?: RunState['ran']): void {
  setState((s) => {
    const run = s.runs[jobId] ?? startRun(jobId);
    const submitted = ran ? { ...run, ran, expected: expectedTimes(ran) } : run;
    return {
      ...s,
      shownJob: jobId,
      tabJobs: tabId ? { ...s.tabJobs, [tabId]: jobId } : s.tabJobs,
      runs: { ...s.runs, [jobId]: ran ? { ...submitted, fraction: overall(submitted) } : run },
    };
  });
}

export async function cancelJob(jobId: string): Promise<void> {
  const { cancelled } = await api.jobs.cancel.mutate({ jobId });
  if (!cancelled) toast('That job had already ended', 'info');
  await refreshJobs();
}
