import type { WorkflowDoc } from '../../api/schemas.ts';
import { api } from '../api-client.ts';
import { getState, setState } from './store.ts';

/** Re-infers types and re-validates a tab's document; stale answers (the doc moved on) are dropped. */
export async function analyse(tabId: string, doc: WorkflowDoc): Promise<void> {
  const [inferred, issues] = await Promise.all([api.workflow.inferTypes.query(doc), api.workflow.validate.query(doc)]);
  const tab = getState().tabs.find((t) => t.id === tabId);
  if (tab?.history.present !== doc) return;
  setState((s) => ({
    ...s,
    analysis: { ...s.analysis, [tabId]: { inferred, issues: dedupe([...issues, ...inferred.issues]) } },
  }));
}

function dedupe<T extends { nodeId?: string; field?: string; code: string }>(issues: T[]): T[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.nodeId}|${i.field}|${i.code}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
