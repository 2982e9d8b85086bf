import { useEffect, useState } from 'react';
import { api } from './api-client.ts';
import { activeTab, newTab, openTab, toast, updateTab } from './state/store.ts';

/** Saves the active tab to a workflow file (asking for a name the first time). */
export async function saveWorkflow(askName = false): Promise<void> {
  const tab = activeTab();
  const name = !askName && tab.file ? tab.file : prompt('Save workflow as', tab.file ?? tab.name)?.trim();
  if (!name) return;
  try {
    await api.workflow.save.mutate({ name, workflow: tab.history.present });
    updateTab(tab.id, (t) => ({ ...t, file: name, name }));
    toast(`Saved "${name}"`, 'info');
  } catch (err) {
    toast(`Could not save: ${(err as Error).message}`);
  }
}

/** Lists saved workflow files; picking one opens it in a new tab. */
export function OpenWorkflowDialog({ onClose }: { onClose(): void }) {
  const [files, setFiles] = useState<{ name: string; modified: number }[]>();
  useEffect(() => {
    api.workflow.files.query().then(setFiles, (err: Error) => toast(err.message));
  }, []);
  async function open(name: string): Promise<void> {
    try {
      openTab(newTab(name, await api.workflow.load.query({ name }), name));
      onClose();
    } catch (err) {
      toast(`Could not open "${name}": ${(err as Error).message}`);
    }
  }
  return (
    <div className="modal-backdrop">
      <div className="modal" role="dialog" aria-label="Open workflow">
        <h2>Open workflow</h2>
        {!files && <div className="empty">Loading…</div>}
        {files?.length === 0 && <div className="empty">No saved workflows yet.</div>}
        <ul className="file-list">
          {files?.map((f) => (
            <li key={f.name}>
              <button type="button" className="file" onClick={() => void open(f.name)}>
                {f.name} <em>{new Date(f.modified).toLocaleString()}</em>
              </button>
            </li>
          ))}
        </ul>
        <div className="row end">
          <button type="button" onClick={onClose}>
            Close
          </button>
        </div>
      </div>
    </div>
  );
}
